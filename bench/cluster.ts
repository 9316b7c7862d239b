// Issue 14's rows: relays between members on different cluster nodes against members on one
// node (and a plain single server), rate and latency, and 3 nodes' throughput against 1 node's,
// all in one run over one real redis-server. `node --import tsx bench/cluster.ts` prints the table.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { freePort, RedisServer } from '../spec/support/redisServer';
import { fixed, median, printRows, type Row } from './stats';

const CLIENTS = 8;
const MESSAGES_PER_CLIENT = 4_000;
const RUNS = 3;
/** Latency is measured unloaded: one message at a time, this many. */
const LATENCY_SAMPLES = 1_000;
const CANDIDATE = { candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0', sdpMid: '0', sdpMLineIndex: 0 };

async function startNode(redis: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = fork(join(import.meta.dirname, 'clusterServer.ts'), [redis, String(port)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  return { child, url: `ws://127.0.0.1:${port}/` };
}

async function member(url: string, pool: string): Promise<{ socket: WebSocket; id: string }> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  const id = await new Promise<string>((resolve) => {
    const onMessage = (raw: Buffer): void => {
      const { type, data } = JSON.parse(String(raw));
      if (type !== 'rtc:joined') return;
      socket.off('message', onMessage);
      resolve(data.client_id);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ type: 'rtc:join', data: { pool } }));
  });
  return { socket, id };
}

/** Relays per second: CLIENTS members (spread over `urls` in turn) each sending to the others round-robin. */
async function relayRate(urls: readonly string[], pool: string): Promise<number> {
  const clients: Array<{ socket: WebSocket; id: string }> = [];
  for (let i = 0; i < CLIENTS; i += 1) clients.push(await member(urls[i % urls.length]!, pool));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const expected = CLIENTS * MESSAGES_PER_CLIENT;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    for (const { socket } of clients) socket.on('message', () => (received += 1) === expected && resolve());
  });
  const started = performance.now();
  await Promise.all(
    clients.map(async ({ socket, id }) => {
      const frames = clients.filter((c) => c.id !== id).map((c) => JSON.stringify({ type: 'rtc:candidate', data: { for: c.id, candidate: CANDIDATE } }));
      for (let i = 0; i < MESSAGES_PER_CLIENT; i += 1) {
        socket.send(frames[i % frames.length]!);
        if (i % 128 === 0) while (socket.bufferedAmount > 1 << 18) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const timer = setTimeout(() => {
    throw new Error(`${received} of ${expected} relays arrived`);
  }, 120_000);
  await done;
  clearTimeout(timer);
  const rate = expected / ((performance.now() - started) / 1000);
  for (const { socket } of clients) socket.terminate();
  return rate;
}

/** One-way relay latency in ms (p50, p99) from a member at `from` to one at `to`, one message at a time. */
async function latency(from: string, to: string, pool: string): Promise<[number, number]> {
  const a = await member(from, pool);
  const b = await member(to, pool);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const samples: number[] = [];
  const frame = JSON.stringify({ type: 'rtc:candidate', data: { for: b.id, candidate: CANDIDATE } });
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const arrived = new Promise<void>((resolve) => b.socket.once('message', () => resolve()));
    const sent = performance.now();
    a.socket.send(frame);
    await arrived;
    samples.push(performance.now() - sent);
  }
  a.socket.terminate();
  b.socket.terminate();
  samples.sort((x, y) => x - y);
  return [samples[Math.floor(samples.length * 0.5)]!, samples[Math.floor(samples.length * 0.99)]!];
}

/** The rows of issue 14. */
export async function clusterRows(log: (line: string) => void = () => {}): Promise<Row[]> {
  const redis = await RedisServer.start();
  const children: ChildProcess[] = [];
  try {
    const single = await startNode('-');
    const nodes = [await startNode(redis.url), await startNode(redis.url), await startNode(redis.url)];
    children.push(single.child, ...nodes.map((n) => n.child));
    const urls = nodes.map((n) => n.url);
    const rates = { single: [] as number[], one: [] as number[], three: [] as number[], poolsOnOne: [] as number[], poolsOnThree: [] as number[] };
    const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
    for (let run = 0; run < RUNS; run += 1) {
      log(`cluster bench run ${run + 1} of ${RUNS}`);
      rates.single.push(await relayRate([single.url], `single-${run}`));
      rates.one.push(await relayRate([urls[0]!], `one-${run}`));
      rates.three.push(await relayRate(urls, `three-${run}`));
      // three pools at once, each on a node of its own, against the same three pools on one node
      rates.poolsOnOne.push(sum(await Promise.all(urls.map((_, i) => relayRate([urls[0]!], `p1-${run}-${i}`)))));
      rates.poolsOnThree.push(sum(await Promise.all(urls.map((url, i) => relayRate([url], `p3-${run}-${i}`)))));
    }
    const [singleP50, singleP99] = await latency(single.url, single.url, 'lat-single');
    const [sameP50, sameP99] = await latency(urls[0]!, urls[0]!, 'lat-same');
    const [crossP50, crossP99] = await latency(urls[0]!, urls[1]!, 'lat-cross');
    const rate = (r: number[]): string => `${Math.round(median(r)).toLocaleString('en')} msg/s`;
    const ms = (p50: number, p99: number): string => `${fixed(p50)} / ${fixed(p99)} ms`;
    return [
      { id: 'C1', what: `relay rate, ${CLIENTS} members spread over 3 nodes (mostly across nodes), median of ${RUNS}`, ours: rate(rates.three), baseline: `same, all on 1 node: ${rate(rates.one)}`, ratio: `${fixed(median(rates.three) / median(rates.one))} ×`, target: '—', met: null },
      { id: 'C1', what: 'relay rate, 1 cluster node, against a plain single server (no Redis)', ours: rate(rates.one), baseline: `single server ${rate(rates.single)}`, ratio: `${fixed(median(rates.one) / median(rates.single))} ×`, target: '—', met: null },
      { id: 'C2', what: `relay latency p50 / p99, members on different nodes (${LATENCY_SAMPLES} one at a time)`, ours: ms(crossP50, crossP99), baseline: `same node ${ms(sameP50, sameP99)}`, ratio: `${fixed(crossP50 / sameP50)} × (p50)`, target: '—', met: null },
      { id: 'C2', what: 'relay latency p50 / p99, 1 cluster node, against a plain single server', ours: ms(sameP50, sameP99), baseline: `single server ${ms(singleP50, singleP99)}`, ratio: `${fixed(sameP50 / singleP50)} × (p50)`, target: '—', met: null },
      { id: 'C3', what: `throughput of 3 pools of ${CLIENTS} relaying at once, each pool on its own node, against all on 1 node (nodes, Redis and load share one machine)`, ours: rate(rates.poolsOnThree), baseline: `1 node ${rate(rates.poolsOnOne)}`, ratio: `${fixed(median(rates.poolsOnThree) / median(rates.poolsOnOne))} ×`, target: '—', met: null },
    ];
  } finally {
    for (const child of children) {
      child.disconnect();
      child.kill();
    }
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows(clusterRows);
}
