// D2's cases: one newcomer joins a room of n - 1 members that are already meshed and quiet, and
// is timed from its join() until a channel to every member is open (opened by the side with the
// smaller id, as in P1). Ours (with or without standing offers) and rtcpool 3.0.2.
import { filter, firstValueFrom } from 'rxjs';
import { Pool, signalling, type ManagedConnection, type PoolOptions } from 'rtcpool';
import { pool3On, type Connection3, type Pool3 } from './setupPools3';

const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };
/** How long the room is left alone before the newcomer comes: its members renew their standing offers meanwhile. */
const QUIET_MS = 1_500;

const opened = (channel: RTCDataChannel): Promise<void> =>
  channel.readyState === 'open' ? Promise.resolve() : new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));

/** One channel per pair, opened by the side with the smaller id: resolves once `count` of this pool's are open. */
function channelsOpen(pool: Pool, count: number): Promise<void> {
  let open = 0;
  return new Promise((resolve) => {
    // a member opens its side to later peers too: the listeners stay after `count` is reached
    if (count === 0) resolve();
    const one = (): void => void (++open === count && resolve());
    pool.peerJoined$.subscribe((connection: ManagedConnection) => {
      if (pool.id! < connection.id) void connection.dataChannel('bench').then(one);
    });
    pool.dataChannels$.subscribe(({ event }) => void opened(event.channel).then(one));
  });
}

/** A pool whose socket is open. */
async function openPool(url: string, options: PoolOptions): Promise<Pool> {
  const pool = new Pool(LOCAL_ONLY, new signalling.websocket(url), options);
  await firstValueFrom(pool.signallingState$.pipe(filter((state) => state === 'open')));
  return pool;
}

/** D2 with rtcpool: ms from the newcomer's join() until its channel to each of the n - 1 members is open. */
export async function joinRoom(url: string, n: number, options: PoolOptions = {}): Promise<number> {
  const name = `room-${Math.random().toString(36).slice(2)}`;
  const members: Pool[] = [];
  for (let i = 0; i < n - 1; i += 1) {
    const pool = await openPool(url, options);
    const meshed = channelsOpen(pool, i);
    await pool.join(name);
    await meshed;
    members.push(pool);
  }
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const newcomer = await openPool(url, options);
  const meshed = channelsOpen(newcomer, n - 1);
  const started = performance.now();
  await newcomer.join(name);
  await meshed;
  const elapsed = performance.now() - started;
  for (const pool of [...members, newcomer]) pool.close();
  return elapsed;
}

/** A 3.0.2 pool on an open socket. */
async function pool3(url: string): Promise<Pool3> {
  const socket = new WebSocket(url);
  await new Promise((resolve) => (socket.onopen = resolve));
  return pool3On(socket);
}

/** As {@link channelsOpen}, for a 3.0.2 pool. */
function channelsOpen3(pool: Pool3, count: number): Promise<void> {
  let open = 0;
  return new Promise((resolve) => {
    if (count === 0) resolve();
    const one = (): void => void (++open === count && resolve());
    pool.events.addEventListener('peer', (event) => {
      const connection = (event as CustomEvent<{ connection: Connection3 }>).detail.connection;
      if (pool.id! < connection.id) void connection.dataChannel('bench').then(one);
    });
    pool.events.addEventListener('datachannel', (event) => void opened((event as RTCDataChannelEvent).channel).then(one));
  });
}

/** D2 with rtcpool 3.0.2: the same room, the same app. */
export async function joinRoom3(url: string, n: number): Promise<number> {
  const name = `room3-${Math.random().toString(36).slice(2)}`;
  const members: Pool3[] = [];
  for (let i = 0; i < n - 1; i += 1) {
    const pool = await pool3(url);
    const meshed = channelsOpen3(pool, i);
    pool.join(name);
    await meshed;
    members.push(pool);
  }
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const newcomer = await pool3(url);
  const meshed = channelsOpen3(newcomer, n - 1);
  const started = performance.now();
  newcomer.join(name);
  await meshed;
  const elapsed = performance.now() - started;
  for (const pool of [...members, newcomer]) pool.close();
  return elapsed;
}
