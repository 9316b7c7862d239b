/** A headless browser process on one URL (browserProcess.cjs). */
export interface BrowserProcess {
  readonly pid: number;
  /** Ends the process and its content processes, and removes its profile. */
  stop(): Promise<void>;
  readonly exited: Promise<unknown>;
}
/** Opens `url` in a fresh headless Firefox ESR with the WebRTC test prefs. */
export function launchFirefox(url: string): Promise<BrowserProcess>;
/** Opens `url` in a fresh headless Chromium with the test flags. */
export function launchChromium(url: string): Promise<BrowserProcess>;
