// Starts Debian's Firefox ESR or Chromium headless on one URL, in a profile of its own (Firefox
// with the prefs of firefoxPrefs.cjs, Chromium with chromiumFlags.cjs), and stops it by its
// process group. Playwright cannot drive Debian's Firefox (playwright's Firefox is a patched build
// of its own), so a page opened this way talks back over HTTP or WebRTC to whoever started it.
// Used by the karma framework (the cross-engine specs' remote peer) and the benchmarks (P1 in
// Firefox).
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const PREFS = require('./firefoxPrefs.cjs');
const CHROMIUM_FLAGS = require('./chromiumFlags.cjs');

const FIREFOX_BIN = () => process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';
const CHROME_BIN = () => process.env.CHROME_BIN || '/usr/bin/chromium';

/** Spawns `command` in a process group of its own; `stop()` ends the group and removes `profile`. */
function start(command, args, profile) {
  const child = spawn(command, args, {
    stdio: 'ignore',
    // its own process group, so stop() ends the browser's helper processes with it
    detached: true,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(profile, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      rmSync(profile, { recursive: true, force: true });
      reject(error);
    });
    child.once('spawn', () => resolve({ pid: child.pid, stop, exited }));
  });
}

/** Opens `url` in a fresh headless Firefox; resolves with `{ pid, stop() }` once the process runs. */
function launchFirefox(url) {
  const profile = mkdtempSync(join(tmpdir(), 'rtcpool-firefox-'));
  const prefs = {
    ...PREFS,
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.page': 0,
    'browser.tabs.remote.autostart': true,
    'datareporting.healthreport.uploadEnabled': false,
    'dom.disable_open_during_load': false,
    'dom.max_script_run_time': 0,
  };
  writeFileSync(join(profile, 'user.js'), Object.entries(prefs).map(([key, value]) => `user_pref(${JSON.stringify(key)}, ${JSON.stringify(value)});`).join('\n'));
  return start(FIREFOX_BIN(), ['--headless', '--no-remote', '--profile', profile, url], profile);
}

/** Opens `url` in a fresh headless Chromium with the test flags; resolves like {@link launchFirefox}. */
function launchChromium(url) {
  const profile = mkdtempSync(join(tmpdir(), 'rtcpool-chromium-'));
  return start(CHROME_BIN(), [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, url], profile);
}

module.exports = { launchFirefox, launchChromium };
