// Runs in headless Chromium (bundled by bench/channel.ts): PeerChannel against a raw data channel
// of the same connection, paced by hand, in the same page and the same run.
import { filter, firstValueFrom, lastValueFrom, take } from 'rxjs';
import { DEFAULT_CHUNK_BYTES, Pool, signalling, type PeerChannel } from 'rtcpool';
import { sendPacedByHand } from './sendPacedByHand';

const LOCAL_ONLY: RTCConfiguration = { iceServers: [] };
/** Chunk sizes of the diagnostic rows, in KiB (the transport may allow less: Chromium's limit is 256 KiB). */
const CHUNK_SIZES_KIB = [16, 256];

/** Two pools of one page, meshed through the server, with a PeerChannel and a raw channel between them. */
interface Rig {
  readonly pools: Pool[];
  readonly ours: [PeerChannel, PeerChannel];
  /** PeerChannels with other chunk sizes, by size in KiB: the diagnostic rows. */
  readonly sized: Map<number, [PeerChannel, PeerChannel]>;
  readonly raw: [RTCDataChannel, RTCDataChannel];
}
let rig: Rig | null = null;

const opened = (channel: RTCDataChannel): Promise<RTCDataChannel> =>
  channel.readyState === 'open' ? Promise.resolve(channel) : new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), { once: true }));

async function setUp(url: string): Promise<void> {
  const name = `chbench-${Math.random().toString(36).slice(2)}`;
  const a = new Pool(LOCAL_ONLY, new signalling.websocket(url));
  const b = new Pool(LOCAL_ONLY, new signalling.websocket(url));
  await a.join(name);
  const incoming = firstValueFrom(b.dataChannels$).then(({ event }) => opened(event.channel));
  await b.join(name);
  const [ab] = await firstValueFrom(a.connections$.pipe(filter((list) => list.length === 1)));
  const [ba] = await firstValueFrom(b.connections$.pipe(filter((list) => list.length === 1)));
  const ours = (await Promise.all([ab!.channel('bench'), ba!.channel('bench')])) as [PeerChannel, PeerChannel];
  const raw: [RTCDataChannel, RTCDataChannel] = [await ab!.dataChannel('raw'), await incoming];
  raw[1].binaryType = 'arraybuffer';
  const sized = new Map<number, [PeerChannel, PeerChannel]>();
  for (const kib of CHUNK_SIZES_KIB) {
    const options = { chunkBytes: kib * 1024 };
    sized.set(kib, (await Promise.all([ab!.channel(`bench-${kib}`, options), ba!.channel(`bench-${kib}`, options)])) as [PeerChannel, PeerChannel]);
  }
  rig = { pools: [a, b], ours, raw, sized };
}

function tearDown(): void {
  for (const pool of rig?.pools ?? []) pool.close();
  rig = null;
}

/**
 * The baseline: `bytes` in `chunk`-byte messages on a raw channel, paced by hand the way MDN
 * shows (send while under the high mark, else wait for `bufferedamountlow` at half of it).
 * Ms until the far side has them all.
 */
async function rawBulk(bytes: number, chunk = DEFAULT_CHUNK_BYTES): Promise<number> {
  const [channel, receiver] = rig!.raw;
  const data = new Uint8Array(chunk);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    receiver.onmessage = ({ data: message }) => {
      received += (message as ArrayBuffer).byteLength;
      if (received >= bytes) resolve();
    };
  });
  const started = performance.now();
  await sendPacedByHand(channel, data, Math.ceil(bytes / chunk));
  await done;
  receiver.onmessage = null;
  return performance.now() - started;
}

/** Ours: one message of `bytes` through PeerChannel.send(); ms until messages$ has it whole. `kib` picks a diagnostic chunk size. */
async function oursBulk(bytes: number, kib?: number): Promise<number> {
  const [channel, receiver] = kib === undefined ? rig!.ours : rig!.sized.get(kib)!;
  const data = new Uint8Array(bytes);
  const arrived = firstValueFrom(receiver.messages$);
  const started = performance.now();
  await channel.send(data);
  await arrived;
  return performance.now() - started;
}

/** The baseline of the small-message rate: `count` messages of `size` bytes, paced by hand. Messages per second. */
async function rawSmall(count: number, size: number, kind: 'binary' | 'string'): Promise<number> {
  const [channel, receiver] = rig!.raw;
  const data = kind === 'string' ? 'x'.repeat(size) : new Uint8Array(size);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    receiver.onmessage = () => ++received === count && resolve();
  });
  const started = performance.now();
  await sendPacedByHand(channel, data, count);
  await done;
  receiver.onmessage = null;
  return count / ((performance.now() - started) / 1000);
}

/** Ours: `count` sends without waiting for each (the channel paces them). Messages per second. */
async function oursSmall(count: number, size: number, kind: 'binary' | 'string'): Promise<number> {
  const [channel, receiver] = rig!.ours;
  const data = kind === 'string' ? 'x'.repeat(size) : new Uint8Array(size);
  const done = lastValueFrom(receiver.messages$.pipe(take(count)));
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) sends.push(channel.send(data));
  await Promise.all(sends);
  await done;
  return count / ((performance.now() - started) / 1000);
}

Object.assign(globalThis, { channelBench: { setUp, tearDown, rawBulk, oursBulk, rawSmall, oursSmall } });
