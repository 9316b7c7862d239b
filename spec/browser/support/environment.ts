/** What the karma set-up hands the page (see spec/support/karmaSignallingFramework.cjs). */
interface KarmaClientConfig {
  readonly signallingUrl: string;
  readonly controlUrl: string;
}

declare const __karma__: { readonly config: KarmaClientConfig };

/** The WebSocket URL of the real signalling server the test set-up started. */
export const signallingUrl = (): string => __karma__.config.signallingUrl;

/** Test-only control of that server: what an application would do through its API. */
export const serverControl = {
  async stop(pool: string): Promise<boolean> {
    return (await fetch(`${__karma__.config.controlUrl}/stop?pool=${encodeURIComponent(pool)}`, { method: 'POST' })).json();
  },
  async describe(id: string, description: unknown): Promise<boolean> {
    const url = `${__karma__.config.controlUrl}/describe?id=${encodeURIComponent(id)}`;
    return (await fetch(url, { method: 'POST', body: JSON.stringify(description) })).json();
  },
};

/** Tests never reach a STUN or TURN server: every candidate is a host candidate on this machine. */
export const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };

/** A pool name no other spec uses, so specs sharing one server never meet. */
export function uniquePool(prefix = 'spec'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
