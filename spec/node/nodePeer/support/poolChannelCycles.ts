// Child process of leak.spec.ts: `cycles` rounds of three Node pools (rtcpool/node) that all call
// `pool.channel('room')` before they join, so every connection settles a glare (both ends make
// the channel and one is closed), send one message round, and close; then a summary line, then
// nothing: the process must end by itself once the server is closed and every native handle is gone.
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type PoolChannel } from '../../../../src';
import { RTCPeerConnection } from '../../../../src/node';
import { createSignallingServer } from '../../../../src/server';

const MESH_TIMEOUT_MS = 15_000;
const POOLS = 3;
/** How long libdatachannel may take to report the last channel closed, once the pools are closed. */
const SETTLE_MS = 2_000;

/** Every data channel the pools' connections made or received, and whether it fired `close`. */
const channels: { closed: boolean }[] = [];
let connections = 0;
class CountedPeerConnection extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    connections++;
    this.addEventListener('datachannel', (event) => count((event as RTCDataChannelEvent).channel));
  }

  override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    return count(super.createDataChannel(label, init));
  }
}

function count(channel: RTCDataChannel): RTCDataChannel {
  const entry = { closed: false };
  channels.push(entry);
  channel.addEventListener('close', () => (entry.closed = true), { once: true });
  return channel;
}

async function main(cycles: number): Promise<void> {
  const server = await createSignallingServer({ limits: { messagesPerSecond: 1e6, messageBurst: 1e6 } });
  let failures = 0;
  const errors = new Set<string>();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const pools = Array.from({ length: POOLS }, () => new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection: CountedPeerConnection }));
    try {
      const rooms: PoolChannel[] = pools.map((pool) => pool.channel('room'));
      for (const pool of pools) await pool.join(`cycle-${cycle}`);
      await Promise.all(rooms.map((room) => firstValueFrom(room.peers$.pipe(filter((ids) => ids.length === POOLS - 1), take(1), timeout(MESH_TIMEOUT_MS)))));
      const heard = rooms.map((room) => firstValueFrom(room.messages$.pipe(take(POOLS - 1), timeout(MESH_TIMEOUT_MS))));
      await Promise.all(rooms.map((room, i) => room.send(`from ${i}`)));
      await Promise.all(heard);
    } catch (error) {
      failures++;
      errors.add(error instanceof Error ? error.message : String(error));
    }
    for (const pool of pools) pool.close();
  }
  const deadline = Date.now() + SETTLE_MS;
  while (channels.some((channel) => !channel.closed) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await server.close();
  const unclosed = channels.filter((channel) => !channel.closed).length;
  process.stdout.write(`${JSON.stringify({ cycles, failures, connections, channels: channels.length, unclosed, errors: [...errors] })}\n`);
}

void main(Number(process.argv[2] ?? 10));
