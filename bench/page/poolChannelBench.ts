// Runs in headless Chromium (bundled by bench/poolChannel.ts): a PoolChannel broadcast from one
// pool to the receiving pools of the same page, against raw RTCDataChannels from the same sender
// to the same receivers (one per receiver, on the same connections), each paced by hand.
import { filter, firstValueFrom } from 'rxjs';
import { DEFAULT_CHUNK_BYTES, Pool, signalling, type PeerChannel, type PoolChannel, type RtcPoolError } from 'rtcpool';
import { sendPacedByHand } from './sendPacedByHand';

const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };
/** The pool channel's label (the Node peer of the stalled row makes it too: `--channel bench`). */
const LABEL = 'bench';
/** The size of every message of every case (setUp() sets it): PeerChannel's default chunk size unless asked otherwise. */
let messageBytes = DEFAULT_CHUNK_BYTES;

/** One receiving pool of the page. */
interface Receiver {
  readonly pool: Pool;
  readonly channel: PoolChannel;
  /** The sender's end of the raw channel to it. */
  readonly raw: RTCDataChannel;
  /** Its end of the raw channel. */
  readonly incoming: RTCDataChannel;
  /** The diagnostic case: a PeerChannel from the sender to it, and its end (null unless asked for). */
  readonly direct: [PeerChannel, PeerChannel] | null;
}

interface Rig {
  readonly sender: Pool;
  readonly channel: PoolChannel;
  readonly receivers: Receiver[];
  /** Echoes the Node peer sent back (`node echo …`): one per message it got. */
  echoes: number;
  /** Diagnostic of the stalled row: a raw channel from the sender to the Node peer (which echoes each message on it), and its echoes. */
  toNode: RTCDataChannel | null;
  rawEchoes: number;
  /** The pump of the last rawStalled() to the Node peer, which goes on after the sample. */
  nodePump: Promise<void>;
  /** Errors on the sender's pool channel (`overflow` for a peer dropped), as `code: message`. */
  readonly errors: string[];
}
let rig: Rig | null = null;
/** Where the page is, for the report of a case that hangs. */
let phase = 'loaded';

const opened = (channel: RTCDataChannel): Promise<RTCDataChannel> =>
  channel.readyState === 'open' ? Promise.resolve(channel) : new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), { once: true }));

/**
 * One sender and `receivers` pools of this page join `room` (where `remote` other peers, the Node
 * peer, are or will be), each with the pool channel; the sender opens a raw channel to each
 * receiver of the page. Resolves once the sender's pool channel reaches them all.
 */
async function setUp(url: string, room: string, receivers: number, remote: number, diagnose = false, bytes = DEFAULT_CHUNK_BYTES): Promise<void> {
  messageBytes = bytes;
  const sender = new Pool(LOCAL_ONLY, new signalling.websocket(url));
  const channel = sender.channel(LABEL);
  const errors: string[] = [];
  const made: Rig = { sender, channel, receivers: [], echoes: 0, errors, toNode: null, rawEchoes: 0, nodePump: Promise.resolve() };
  channel.messages$.subscribe(({ data }) => {
    if (typeof data === 'string' && data.startsWith('node echo')) made.echoes += 1;
  });
  channel.errors$.subscribe((error: RtcPoolError) => errors.push(`${error.code}: ${error.message}`));
  phase = 'sender joins';
  await sender.join(room);
  for (let i = 0; i < receivers; i += 1) {
    phase = `receiver ${i} joins`;
    const pool = new Pool(LOCAL_ONLY, new signalling.websocket(url));
    const poolChannel = pool.channel(LABEL);
    const incoming = firstValueFrom(pool.dataChannels$.pipe(filter(({ event }) => event.channel.label === 'raw'))).then(({ event }) => opened(event.channel));
    await pool.join(room);
    const [connection] = await firstValueFrom(sender.connections$.pipe(filter((list) => list.some((c) => c.id === pool.id)))).then((list) =>
      list.filter((c) => c.id === pool.id),
    );
    const raw = await connection!.dataChannel('raw');
    const far = await incoming;
    far.binaryType = 'arraybuffer';
    let direct: [PeerChannel, PeerChannel] | null = null;
    if (diagnose) {
      const back = pool.getConnection(sender.id!)!;
      direct = (await Promise.all([connection!.channel('direct'), back.channel('direct')])) as [PeerChannel, PeerChannel];
    }
    made.receivers.push({ pool, channel: poolChannel, raw, incoming: far, direct });
  }
  phase = 'the pool channel reaches every peer';
  rig = made;
  await firstValueFrom(channel.peers$.pipe(filter((ids) => ids.length === receivers + remote)));
  if (diagnose && remote > 0) {
    phase = 'raw channel to the Node peer';
    const node = sender.connections.find((c) => !made.receivers.some((r) => r.pool.id === c.id))!;
    made.toNode = await node.dataChannel('raw-node');
    made.toNode.onmessage = () => void (made.rawEchoes += 1);
  }
  phase = 'set up';
}

function tearDown(): void {
  for (const receiver of rig?.receivers ?? []) receiver.pool.close();
  rig?.sender.close();
  rig = null;
}

/** The ids the sender's pool channel reaches now, and its errors so far. */
function state(): { phase: string; peers: readonly string[]; errors: string[]; echoes: number; connections: string[] } {
  return {
    phase,
    peers: rig?.channel.peers ?? [],
    errors: [...(rig?.errors ?? [])],
    echoes: rig?.echoes ?? 0,
    connections: (rig?.sender.connections ?? []).map((c) => `${c.id} ${c.state}`),
  };
}

/** What one case measured: ms until the last receiver had every byte, and ms at which each receiver had them. */
interface Timing {
  readonly ms: number;
  /** When each receiver of the page had all its bytes, ms from the start. */
  readonly each: number[];
  /** When the sender's loop ended (its last send resolved or was made), ms from the start. */
  readonly sendMs: number;
}

/**
 * The baseline: `count` messages of messageBytes to each receiver of the page on its raw
 * channel, each channel paced by hand on its own (send while under PeerChannel's default
 * high-water mark, else wait for `bufferedamountlow` at half of it), all at once.
 */
async function raw(count: number): Promise<Timing> {
  const data = new Uint8Array(messageBytes);
  const total = count * messageBytes;
  const started = performance.now();
  const each: number[] = [];
  let sendMs = 0;
  await Promise.all(
    rig!.receivers.map(async ({ raw: channel, incoming }, i) => {
      let received = 0;
      const done = new Promise<void>((resolve) => {
        incoming.onmessage = ({ data: message }) => {
          received += (message as ArrayBuffer).byteLength;
          if (received >= total) resolve();
        };
      });
      await sendPacedByHand(channel, data, count);
      sendMs = Math.max(sendMs, performance.now() - started);
      await done;
      each[i] = performance.now() - started;
      incoming.onmessage = null;
    }),
  );
  return { ms: performance.now() - started, each, sendMs };
}

/**
 * Diagnostic of the stalled row: the baseline with a third raw channel, to the (frozen) Node
 * peer, paced by hand like the others; timed until the page's receivers have everything (the
 * pump to the Node peer goes on after, until it is thawed).
 */
async function rawStalled(count: number): Promise<Timing> {
  const channel = rig!.toNode!;
  const data = new Uint8Array(messageBytes);
  rig!.nodePump = sendPacedByHand(channel, data, count);
  return raw(count);
}

/** Ours: `count` sends of messageBytes through the sender's PoolChannel, each awaited, to every peer on it. */
async function ours(count: number): Promise<Timing> {
  const { sender, channel, receivers } = rig!;
  const data = new Uint8Array(messageBytes);
  const total = count * messageBytes;
  const each: number[] = [];
  let started = 0;
  const arrivals = receivers.map(
    (receiver, i) =>
      new Promise<void>((resolve) => {
        let received = 0;
        const subscription = receiver.channel.messages$.subscribe(({ from, data: message }) => {
          if (from !== sender.id) return;
          received += (message as ArrayBuffer).byteLength;
          if (received < total) return;
          each[i] = performance.now() - started;
          subscription.unsubscribe();
          resolve();
        });
      }),
  );
  phase = 'ours: sending';
  started = performance.now();
  for (let i = 0; i < count; i += 1) await channel.send(data);
  const sendMs = performance.now() - started;
  phase = 'ours: waiting for the receivers';
  await Promise.all(arrivals);
  phase = 'ours: done';
  return { ms: performance.now() - started, each, sendMs };
}

/**
 * Diagnostic: `count` sends of messageBytes on a PeerChannel (`connection.channel()`) to each
 * receiver of the page, each channel's sends awaited one by one, all channels at once: what
 * PeerChannel's framing costs, without the pool channel's fan-out.
 */
async function direct(count: number): Promise<Timing> {
  const data = new Uint8Array(messageBytes);
  const total = count * messageBytes;
  const started = performance.now();
  const each: number[] = [];
  let sendMs = 0;
  await Promise.all(
    rig!.receivers.map(async ({ direct: pair }, i) => {
      const [channel, receiver] = pair!;
      let received = 0;
      const done = new Promise<void>((resolve) => {
        const subscription = receiver.messages$.subscribe((message) => {
          received += (message as ArrayBuffer).byteLength;
          if (received < total) return;
          subscription.unsubscribe();
          resolve();
        });
      });
      for (let sent = 0; sent < count; sent += 1) await channel.send(data);
      sendMs = Math.max(sendMs, performance.now() - started);
      await done;
      each[i] = performance.now() - started;
    }),
  );
  return { ms: performance.now() - started, each, sendMs };
}

/**
 * Resolves once the Node peer echoed `count` messages in all (it has caught up), or after
 * `timeoutMs`; the ms waited, or -1. With `raw`, the echoes on its raw channel, counted once the
 * pump to it (rawStalled) has sent everything.
 */
async function untilEchoes(count: number, timeoutMs: number, raw = false): Promise<number> {
  const started = performance.now();
  if (raw) await rig!.nodePump;
  while ((raw ? rig!.rawEchoes : rig!.echoes) < count) {
    if (performance.now() - started > timeoutMs) return -1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

Object.assign(globalThis, { poolChannelBench: { setUp, tearDown, state, raw, ours, direct, rawStalled, untilEchoes } });
