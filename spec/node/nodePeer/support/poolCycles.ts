// Child process of leak.spec.ts: `cycles` join/close cycles of two Node pools (rtcpool/node) on
// a real signalling server in this process, then a summary line, then nothing: the process must
// end by itself once the server is closed and every native handle is gone.
// Even cycles close once a channel carried a message; odd ones close the pools right after the
// second join, while the connection is still being set up.
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling } from '../../../../src';
import { RTCPeerConnection } from '../../../../src/node';
import { createSignallingServer } from '../../../../src/server';
import { openSockets } from './openSockets';

const MESH_TIMEOUT_MS = 15_000;

/** Every connection the pools made, so the summary can say how many were left open. */
const made: RTCPeerConnection[] = [];
class CountedPeerConnection extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    made.push(this);
  }
}

async function main(cycles: number): Promise<void> {
  const server = await createSignallingServer({ limits: { messagesPerSecond: 1e6, messageBurst: 1e6 } });
  const before = openSockets();
  let failures = 0;
  const errors = new Set<string>();
  for (let cycle = 0; cycle < cycles; cycle++) {
    const pools = [0, 1].map(() => new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection: CountedPeerConnection }));
    for (const pool of pools) pool.errors$.subscribe((error) => errors.add(error.code));
    try {
      const room = `cycle-${cycle}`;
      await pools[0]!.join(room);
      await pools[1]!.join(room);
      if (cycle % 2 === 0) {
        const [connection] = await firstValueFrom(pools[0]!.connections$.pipe(filter((list) => list.length === 1), take(1), timeout(MESH_TIMEOUT_MS)));
        const incoming = firstValueFrom(pools[1]!.dataChannels$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
        const channel = await connection!.dataChannel('cycle');
        const { event } = await incoming;
        const heard = new Promise((resolve) => event.channel.addEventListener('message', resolve, { once: true }));
        channel.send('ping');
        await heard;
      }
    } catch {
      failures++;
    }
    for (const pool of pools) pool.close();
  }
  // sockets close on libdatachannel's threads and in ws's next ticks: give them a moment
  let after = openSockets();
  for (let wait = 0; wait < 100 && after > before; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = openSockets();
  }
  const open = made.filter((pc) => pc.connectionState !== 'closed').length;
  await server.close();
  process.stdout.write(
    `${JSON.stringify({ cycles, failures, connections: made.length, open, socketsBefore: before, socketsAfter: after, errors: [...errors].sort() })}\n`,
  );
}

void main(Number(process.argv[2] ?? 100));
