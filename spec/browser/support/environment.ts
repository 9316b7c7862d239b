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
  /** Every pool of the test server, with its members. */
  async pools(): Promise<Array<{ id: string; members: Array<{ id: string }> }>> {
    return (await fetch(`${__karma__.config.controlUrl}/pools`)).json();
  },
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

/** A delaying proxy in front of a server: connect to `url` to be `delayMs` away from it. */
export interface DelayedServer {
  readonly id: string;
  readonly url: string;
}

/** What a counting server relayed from one peer to another (rtc:sdp and rtc:candidate), as sent on the wire. */
export interface RelayCount {
  /** Offers relayed in rtc:sdp, and standing offers handed over in rtc:joined. */
  readonly offers: number;
  /** Of those, the standing offers. */
  readonly standingOffers: number;
  readonly answers: number;
  readonly rollbacks: number;
  /** Candidates, end-of-candidates not included. */
  readonly candidates: number;
  /** `rtc:candidate` with a null candidate. */
  readonly endOfCandidates: number;
  /** Candidates relayed again with the same candidate line and ufrag. */
  readonly duplicateCandidates: number;
}

/** Relays per directed pair, keyed `${senderId}>${recipientId}`. */
export type RelayCounts = Readonly<Record<string, RelayCount>>;

/** Test-only powers over servers and the network (see karmaSignallingFramework.cjs). */
export const testNetwork = {
  /** Starts another signalling server with these options. */
  spawn: (options: { resume?: false | { secret?: string; graceMs?: number } } = {}): Promise<SpawnedServer> =>
    post('/servers', options),
  /** Starts another signalling server that counts what it relays (see {@link RelayCounts}). */
  spawnCounting: (options: { resume?: false | { secret?: string; graceMs?: number } } = {}): Promise<SpawnedServer> =>
    post('/servers?count=1', options),
  /** What a counting server has relayed so far, per directed pair. */
  relays: async (server: SpawnedServer): Promise<RelayCounts> =>
    (await fetch(`${__karma__.config.controlUrl}/servers/relays?id=${server.id}`)).json(),
  /** Kills a spawned server (every socket drops, its port closes) and starts it again `downMs` later. */
  kill: (server: SpawnedServer, downMs: number, secret?: string): Promise<boolean> =>
    post(`/servers/kill?id=${server.id}&downMs=${downMs}${secret ? `&secret=${encodeURIComponent(secret)}` : ''}`),
  /**
   * A delaying proxy in front of `server` (the default server when omitted): every frame is held
   * `delayMs` each way. `plain` makes the server look like a plain ssp v2 server (no extensions).
   */
  proxy: (delayMs: number, options: { server?: SpawnedServer; plain?: boolean } = {}): Promise<DelayedServer> =>
    post(`/proxy?delayMs=${delayMs}${options.server ? `&server=${options.server.id}` : ''}${options.plain ? '&plain=1' : ''}`),
  /** Stops a delaying proxy. */
  closeProxy: (proxy: DelayedServer): Promise<boolean> => post(`/proxy/close?id=${proxy.id}`),
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

/** The engine these specs run in. */
export const thisEngine = (): 'chromium' | 'firefox' => (navigator.userAgent.includes('Firefox') ? 'firefox' : 'chromium');

/** The other engine: where the cross-engine specs' remote peer runs. */
export const otherEngine = (): 'chromium' | 'firefox' => (thisEngine() === 'firefox' ? 'chromium' : 'firefox');

/** A remote peer in another browser process (spec/support/remotePeer.ts). */
export interface RemotePeer {
  readonly pid: number;
}

/** Starts and stops the cross-engine specs' remote peer (see karmaSignallingFramework.cjs). */
export const remotePeers = {
  /** Opens the remote peer in a headless `engine`; it joins `pool` on the test server. */
  start: (engine: 'chromium' | 'firefox', pool: string): Promise<RemotePeer> =>
    post(`/remote/start?engine=${engine}&pool=${encodeURIComponent(pool)}`),
  /** Stops its browser. */
  stop: (peer: RemotePeer): Promise<boolean> => post(`/remote/stop?pid=${peer.pid}`),
};
