// P1's 3.x baseline, in the page: rtcpool 3.0.2 from npm (the `rtcpool3` alias), through the same
// server as ours, with the same app code: one channel per pair, opened by the side with the
// smaller id, timed from the first join() until every pair's channel is open.
// @ts-expect-error 3.0.2 ships no types
import * as rtcpool3 from 'rtcpool3';

/** A 3.0.2 pool: what the bench pages use of it. */
export interface Pool3 {
  readonly id: string | null;
  readonly events: EventTarget;
  join(pool: string): void;
  close(): void;
}
/** A 3.0.2 connection: what the bench pages use of it. */
export interface Connection3 {
  readonly id: string;
  dataChannel(label: string): Promise<RTCDataChannel>;
}
const { Pool, signalling } = rtcpool3 as unknown as {
  Pool: new (config: RTCConfiguration, signals: unknown) => Pool3;
  signalling: { websocket: new (socket: WebSocket) => unknown };
};

const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };

/** A 3.0.2 pool on `socket` (open: 3.0.2 sends on it at once). */
export const pool3On = (socket: WebSocket): Pool3 => new Pool(LOCAL_ONLY, new signalling.websocket(socket));

/** P1 with rtcpool 3.0.2: ms from the first join() until every pair's channel is open. */
export async function setupPools3(url: string, n: number): Promise<number> {
  // the sockets connect before the clock starts, as for ours
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<WebSocket>((resolve) => { const ws = new WebSocket(url); ws.onopen = () => resolve(ws); })),
  );
  const pools = sockets.map(pool3On);
  const pairs = (n * (n - 1)) / 2;
  let open = 0;
  const allOpen = new Promise<void>((resolve) => {
    for (const pool of pools) {
      pool.events.addEventListener('peer', (event) => {
        const connection = (event as CustomEvent<{ connection: Connection3 }>).detail.connection;
        if (pool.id! < connection.id) void connection.dataChannel('bench').then(() => ++open === pairs && resolve());
      });
    }
  });
  const name = `bench3-${Math.random().toString(36).slice(2)}`;
  const started = performance.now();
  for (const pool of pools) pool.join(name);
  await allOpen;
  const elapsed = performance.now() - started;
  for (const pool of pools) pool.close();
  return elapsed;
}
