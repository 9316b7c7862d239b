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

const post = async <T>(path: string, body?: unknown): Promise<T> =>
  (await fetch(`${__karma__.config.controlUrl}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) })).json();

/** Another signalling server of the test set-up's, that a spec may kill and start again. */
export interface SpawnedServer {
  readonly id: string;
  readonly url: string;
}

/** Test-only powers over servers and the network (see karmaSignallingFramework.cjs). */
export const testNetwork = {
  /** Starts another signalling server with these options. */
  spawn: (options: { resume?: false | { secret?: string; graceMs?: number } } = {}): Promise<SpawnedServer> =>
    post('/servers', options),
  /** Kills a spawned server (every socket drops, its port closes) and starts it again `downMs` later. */
  kill: (server: SpawnedServer, downMs: number, secret?: string): Promise<boolean> =>
    post(`/servers/kill?id=${server.id}&downMs=${downMs}${secret ? `&secret=${encodeURIComponent(secret)}` : ''}`),
  /** Drops every UDP and TCP packet to or from these ports, on this machine. */
  drop: (ports: readonly number[]): Promise<boolean> => post(`/fault/drop?ports=${ports.join(',')}`),
  /** Ends every fault. */
  clear: (): Promise<boolean> => post('/fault/clear'),
};

/** Tests never reach a STUN or TURN server: every candidate is a host candidate on this machine. */
export const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };

/** A pool name no other spec uses, so specs sharing one server never meet. */
export function uniquePool(prefix = 'spec'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
