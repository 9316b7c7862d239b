// P4: the signalling server relaying rtc:candidate between K clients on loopback, and the memory
// of 10,000 idle sockets; PeerJS's server (`peer`) driven the same way is the baseline.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { fixed, median, type Row } from './stats';

type Kind = 'rtcpool' | 'peerjs';
const CLIENTS = 8;
const MESSAGES_PER_CLIENT = 25_000;
const RUNS = 3;
const IDLE_SOCKETS = 10_000;
const CANDIDATE = { candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0', sdpMid: '0', sdpMLineIndex: 0 };
/** Issue 6's targets. */
const TARGET_RATE = 50_000;
const TARGET_MEMORY_MB = 150;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(join(import.meta.dirname, 'relayServer.ts'), [kind, String(port)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return { child, port };
}

function memoryOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: { rss: number }) => resolve(m.rss));
    child.send({ memory: true });
  });
}

/** A client of either server: opens, joins (or registers), and says which id it has. */
async function connect(kind: Kind, port: number, index: number, room: string): Promise<{ socket: WebSocket; id: string }> {
  if (kind === 'rtcpool') {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    const id = await new Promise<string>((resolve) => {
      const onMessage = (raw: Buffer): void => {
        const { type, data } = JSON.parse(String(raw));
        if (type === 'rtc:joined') {
          socket.off('message', onMessage);
          resolve(data.client_id);
        }
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ type: 'rtc:join', data: { pool: room } }));
    });
    return { socket, id };
  }
  const id = `${room}-${index}`;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${index}`);
  await new Promise((resolve, reject) => {
    socket.once('message', resolve); // OPEN
    socket.once('error', reject);
  });
  return { socket, id };
}

const frameFor = (kind: Kind, to: string): string =>
  kind === 'rtcpool'
    ? JSON.stringify({ type: 'rtc:candidate', data: { for: to, candidate: CANDIDATE } })
    : JSON.stringify({ type: 'CANDIDATE', dst: to, payload: { candidate: CANDIDATE, type: 'data', connectionId: 'dc_1' } });

/** Messages relayed per second, K clients each sending to the others round-robin. */
async function relayRate(kind: Kind, port: number, run: number): Promise<number> {
  const room = `relay-${run}`;
  const clients: Array<{ socket: WebSocket; id: string }> = [];
  for (let i = 0; i < CLIENTS; i += 1) clients.push(await connect(kind, port, i, room));
  // let the join announcements settle before counting
  await new Promise((resolve) => setTimeout(resolve, 100));
  const expected = CLIENTS * MESSAGES_PER_CLIENT;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    for (const { socket } of clients) {
      socket.on('message', () => {
        received += 1;
        if (received === expected) resolve();
      });
    }
  });
  const started = performance.now();
  await Promise.all(
    clients.map(async ({ socket, id }) => {
      const frames = clients.filter((c) => c.id !== id).map((c) => frameFor(kind, c.id));
      for (let i = 0; i < MESSAGES_PER_CLIENT; i += 1) {
        socket.send(frames[i % frames.length]!);
        // keep the send buffer bounded, as a real client would
        if (i % 256 === 0) while (socket.bufferedAmount > 1 << 20) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const deadline = setTimeout(() => {
    throw new Error(`${kind}: ${received} of ${expected} relayed messages arrived`);
  }, 120_000);
  await done;
  clearTimeout(deadline);
  const seconds = (performance.now() - started) / 1000;
  for (const { socket } of clients) socket.terminate();
  return expected / seconds;
}

/** Extra memory (MB) of the server process with IDLE_SOCKETS sockets joined in pools of 10. */
async function idleMemory(kind: Kind, child: ChildProcess, port: number): Promise<number> {
  const before = await memoryOf(child);
  const sockets: WebSocket[] = [];
  const BATCH = 250;
  for (let i = 0; i < IDLE_SOCKETS; i += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, IDLE_SOCKETS - i) }, (_, j) => connect(kind, port, i + j, `idle-${Math.floor((i + j) / 10)}`)),
    );
    sockets.push(...batch.map((c) => c.socket));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await memoryOf(child);
  for (const socket of sockets) socket.terminate();
  return (after - before) / (1024 * 1024);
}

export async function relayRows(): Promise<Row[]> {
  const rates: Record<Kind, number[]> = { rtcpool: [], peerjs: [] };
  const memory: Partial<Record<Kind, number>> = {};
  for (const kind of ['rtcpool', 'peerjs'] as const) {
    const { child, port } = await startServer(kind);
    for (let run = 0; run < RUNS; run += 1) rates[kind].push(await relayRate(kind, port, run));
    memory[kind] = await idleMemory(kind, child, port);
    child.disconnect();
    child.kill();
  }
  const ours = median(rates.rtcpool);
  const theirs = median(rates.peerjs);
  return [
    {
      id: 'P4',
      what: `relay of rtc:candidate, ${CLIENTS} clients, ${CLIENTS * MESSAGES_PER_CLIENT} messages (median of ${RUNS})`,
      ours: `${Math.round(ours).toLocaleString('en')} msg/s`,
      baseline: `PeerJS server ${Math.round(theirs).toLocaleString('en')} msg/s`,
      ratio: `${fixed(ours / theirs)} ×`,
      target: `≥ ${TARGET_RATE.toLocaleString('en')} msg/s`,
      met: ours >= TARGET_RATE,
    },
    {
      id: 'P4',
      what: `server memory of ${IDLE_SOCKETS.toLocaleString('en')} idle sockets (RSS growth)`,
      ours: `${fixed(memory.rtcpool!, 1)} MB`,
      baseline: `PeerJS server ${fixed(memory.peerjs!, 1)} MB`,
      ratio: `${fixed(memory.rtcpool! / memory.peerjs!)} ×`,
      target: `≤ ${TARGET_MEMORY_MB} MB`,
      met: memory.rtcpool! <= TARGET_MEMORY_MB,
    },
  ];
}
