// bench/cluster.ts's server process: one signalling server on the port it is given, a node of
// the cluster over the Redis URL it is given (or, with '-', a plain single server).
import { createSignallingServer } from '../src/server';

const [redis, portText] = process.argv.slice(2);

async function start(): Promise<void> {
  await createSignallingServer({
    port: Number(portText),
    // the bench measures relaying, not the rate limits; its sockets all come from one address
    limits: { messagesPerSecond: 1e9, messageBurst: 1e9, bytesPerSecond: 1e12, byteBurst: 1e12, maxPoolsPerAddress: 100_000, maxConnectionsPerAddress: 100_000 },
    heartbeatIntervalMs: 600_000,
    ...(redis === '-' ? {} : { resume: false as const, cluster: { redis: redis! } }),
  });
  process.send!({ ready: true });
}

process.on('disconnect', () => process.exit(0));
void start();
