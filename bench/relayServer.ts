// P4's server process: runs one signalling server (ours or PeerJS's) on the port it is given,
// and reports its memory when asked. Started by bench/relay.ts with --expose-gc.
import { PeerServer } from 'peer';
import { createSignallingServer } from '../src/server';

const [kind, portText] = process.argv.slice(2);
const port = Number(portText);

async function start(): Promise<void> {
  if (kind === 'rtcpool') {
    // the bench measures relaying, not the rate limits; its sockets all come from one address
    await createSignallingServer({
      port,
      limits: {
        messagesPerSecond: 1e9,
        messageBurst: 1e9,
        bytesPerSecond: 1e12,
        byteBurst: 1e12,
        maxPools: 100_000,
        maxPoolsPerAddress: 100_000,
        maxConnections: 100_000,
        maxConnectionsPerAddress: 100_000,
      },
      // a load generator that saturates its core answers pings late: liveness is not measured here
      heartbeatIntervalMs: 600_000,
    });
  } else {
    PeerServer({ port, host: '127.0.0.1', path: '/', key: 'peerjs', concurrent_limit: 100_000, alive_timeout: 3_600_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.send!({ ready: true });
}

process.on('message', (message: { memory?: boolean }) => {
  if (!message.memory) return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send!({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
});
process.on('disconnect', () => process.exit(0));
void start();
