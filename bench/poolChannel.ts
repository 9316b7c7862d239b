// M3 and M3·s (issue 29): a PoolChannel broadcast against raw data channels paced by hand, in
// headless Chromium (Debian's, driven by playwright-core) against the real signalling server on
// 127.0.0.1, `iceServers: []`.
// - M3: one sender and three receiving pools in one page (as M1 and M2 have both ends in one
//   page); the sender's PoolChannel.send() of MESSAGES × 64 KiB, each awaited, against three raw
//   RTCDataChannels from the same sender to the same receivers, each paced on its own by its
//   bufferedAmount (PeerChannel's default high-water mark, 4 MiB; bufferedamountlow at half).
// - M3·s: one sender and two receiving pools in one page, and a third receiver that is a Node
//   peer (rtcpool/node, spec/support/nodePeerProcess.ts) in a process of its own, frozen with
//   SIGSTOP for the whole of each of our samples: its SCTP stack stops too, so the sender's
//   transport and queue for it fill, as for a peer that stops reading. (Pausing a page's
//   JavaScript would not do: Chromium's SCTP runs on the renderer's WebRTC threads and goes on
//   taking data for a paused page.) The baseline is the raw channels to the two healthy
//   receivers alone. After each of our samples the peer is thawed and the run waits until it has
//   echoed every message (it caught up) before the next sample.
// Each page run measures ours and raw twice, A B B A (B A A B on odd runs); the rows' ratios are
// the medians of the paired ratios. The stalled receiver falls MESSAGES × 64 KiB behind in a
// sample, under 4 MiB (its transport) + DEFAULT_MAX_QUEUED_BYTES (16 MiB): it is never dropped
// here, the default options are measured. The whole run holds the browser lock
// (bench/browserLock.ts). `node --import tsx bench/poolChannel.ts` runs these rows alone (after
// `npm run build`).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { holdBrowserLock } from './browserLock';
import { bundleDistPage, scriptPageServer } from './benchPage';
import { startBenchServer } from './benchServer';
import { launchChromium } from './launchChromium';
import { fixed, median, printRows, rotated, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** Page runs of each row; each measures ours and the baseline twice. */
const RUNS = Number(process.env.M3_RUNS ?? 5);
/**
 * Messages per sample and receiver: 8 MiB of 64 KiB ones, twice PeerChannel's high-water mark,
 * under 4 MiB + the default maxQueuedBytes (so the frozen receiver is never dropped), and short
 * enough for a row to stay under a minute on this loaded 2-core machine.
 */
const MESSAGES = Number(process.env.M3_MESSAGES ?? 128);
/** The message size (bytes) of every case: PeerChannel's default chunk size, 64 KiB. */
const MESSAGE_BYTES = Number(process.env.M3_MESSAGE_BYTES ?? 65_536);
/**
 * `M3_DIAGNOSE=1` adds a third case to M3's page runs, and its row M3·d: the same messages on
 * three PeerChannels (`connection.channel()`), each awaited on its own; it tells PeerChannel's
 * cost from the pool channel's.
 */
const DIAGNOSE = process.env.M3_DIAGNOSE === '1';
/** `M3_ONLY=broadcast` or `M3_ONLY=stalled`: one row's page runs alone, while investigating. */
const ONLY = process.env.M3_ONLY;
/** Untimed messages of each case first in a page. */
const WARM_MESSAGES = 32;
/** The longest the thawed Node peer may take to catch up before a run fails. */
const CATCH_UP_TIMEOUT_MS = 30_000;
/** The longest one step of a page run may take before the run is given up (and its samples dropped). */
const STEP_TIMEOUT_MS = 60_000;
/** How long a stopped Node peer may take to end by itself before it is killed. */
const EXIT_TIMEOUT_MS = 5_000;
/** Issue 29's targets. */
const TARGET_RATIO = 0.9;

interface Timing {
  readonly ms: number;
  readonly each: number[];
  readonly sendMs: number;
}
interface PoolChannelBenchPage {
  setUp(url: string, room: string, receivers: number, remote: number, diagnose: boolean, bytes: number): Promise<void>;
  tearDown(): void;
  state(): { phase: string; peers: readonly string[]; errors: string[]; echoes: number; connections: string[] };
  raw(count: number): Promise<Timing>;
  ours(count: number): Promise<Timing>;
  direct(count: number): Promise<Timing>;
  rawStalled(count: number): Promise<Timing>;
  untilEchoes(count: number, timeoutMs: number, raw?: boolean): Promise<number>;
}
declare const poolChannelBench: PoolChannelBenchPage;

/** A Node peer in a process of its own, on the pool channel `bench`. */
interface NodePeer {
  readonly child: ChildProcess;
  readonly id: string;
  readonly exited: Promise<void>;
  /** What it printed (its JSON lines, and anything on stderr). */
  output(): string;
}

async function startNodePeer(url: string, room: string): Promise<NodePeer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'spec/support/nodePeerProcess.ts'), '--url', url, '--pool', room, '--channel', 'bench'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Node peer did not join within 30 s:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const joined = /\{"joined":"([^"]+)"\}/.exec(output);
      if (joined) {
        clearTimeout(timer);
        resolve(joined[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the Node peer ended (${code}):\n${output}`)));
  });
  return { child, id, exited, output: () => output };
}

async function stopNodePeer(peer: NodePeer): Promise<void> {
  peer.child.kill('SIGCONT');
  peer.child.kill('SIGTERM');
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  await peer.exited;
  clearTimeout(timer);
}

/** Samples of one row: ours and the baseline, in the order measured (pairs by index). */
interface Samples {
  readonly ours: Timing[];
  readonly raw: Timing[];
  /** M3·d: PeerChannels alone (with M3_DIAGNOSE=1). */
  readonly direct: Timing[];
  /** The stalled row: ms the thawed Node peer took to catch up, per sample. */
  readonly catchUp: number[];
}

export async function poolChannelRows(log: (line: string) => void): Promise<Row[]> {
  const script = await bundleDistPage({ entryPoints: [join(import.meta.dirname, 'page/poolChannelBench.ts')] });
  const http = scriptPageServer('poolChannelBench.js', script);
  const release = await holdBrowserLock(log);
  const server = await startBenchServer(http);
  const browser = await launchChromium({ gc: false });
  const broadcast: Samples = { ours: [], raw: [], direct: [], catchUp: [] };
  const stalled: Samples = { ours: [], raw: [], direct: [], catchUp: [] };
  let rooms = 0;
  /** The rows of the page runs given up. */
  const failures: string[] = [];
  try {
    /** One page run of a row: `stall` adds the Node peer and freezes it for our samples. */
    const pageRun = async (run: number, stall: boolean, into: Samples): Promise<void> => {
      const room = `m3-${(rooms += 1)}-${Math.random().toString(36).slice(2)}`;
      const node = stall ? await startNodePeer(server.url, room) : null;
      const page: Page = await browser.newPage();
      // a run's samples count only if the whole run completes: its pairs stay pairs
      const got: Samples = { ours: [], raw: [], direct: [], catchUp: [] };
      const within = async <T>(step: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              void page.evaluate(() => poolChannelBench.state()).then(
                (state) => reject(new Error(`a step took over ${STEP_TIMEOUT_MS} ms: ${JSON.stringify(state)}`)),
                reject,
              ),
            STEP_TIMEOUT_MS,
          );
        });
        try {
          return await Promise.race([step, timeout]);
        } finally {
          clearTimeout(timer);
        }
      };
      try {
        await page.goto(`${server.origin}/`);
        const diagnose = DIAGNOSE;
        await within(page.evaluate(([u, r, k, remote, d, b]) => poolChannelBench.setUp(u, r, k, remote, d, b), [server.url, room, stall ? 2 : 3, stall ? 1 : 0, diagnose, MESSAGE_BYTES] as [
          string,
          string,
          number,
          number,
          boolean,
          number,
        ]));
        let echoes = 0;
        /** Waits for the thawed Node peer's `count` echoes, on the pool channel or (`raw`) its raw channel. */
        const caughtUp = async (count: number, raw = false): Promise<number> => {
          const waited = await page.evaluate(([n, t, r]) => poolChannelBench.untilEchoes(n, t, r), [count, CATCH_UP_TIMEOUT_MS, raw] as [number, number, boolean]);
          if (waited < 0) {
            const state = JSON.stringify(await page.evaluate(() => poolChannelBench.state()));
            throw new Error(`the thawed Node peer did not catch up${raw ? ' on its raw channel' : ''} within ${CATCH_UP_TIMEOUT_MS} ms: ${state}`);
          }
          return waited;
        };
        // untimed warm-up of both paths (the Node peer not frozen)
        await within(page.evaluate((n) => poolChannelBench.ours(n), WARM_MESSAGES));
        echoes += WARM_MESSAGES;
        if (node) await caughtUp(echoes);
        await within(page.evaluate((n) => poolChannelBench.raw(n), WARM_MESSAGES));
        if (diagnose && !stall) await within(page.evaluate((n) => poolChannelBench.direct(n), WARM_MESSAGES));
        let rawEchoes = 0;
        const measureOurs = async (): Promise<void> => {
          node?.child.kill('SIGSTOP');
          try {
            got.ours.push(await within(page.evaluate((n) => poolChannelBench.ours(n), MESSAGES)));
          } finally {
            node?.child.kill('SIGCONT');
          }
          echoes += MESSAGES;
          if (node) got.catchUp.push(await caughtUp(echoes));
        };
        const measureRaw = async (): Promise<void> => void got.raw.push(await within(page.evaluate((n) => poolChannelBench.raw(n), MESSAGES)));
        const measureDirect = async (): Promise<void> => {
          if (!node) return void got.direct.push(await within(page.evaluate((n) => poolChannelBench.direct(n), MESSAGES)));
          // the stalled row's diagnostic: raw channels with a third, to the frozen peer
          node.child.kill('SIGSTOP');
          try {
            got.direct.push(await within(page.evaluate((n) => poolChannelBench.rawStalled(n), MESSAGES)));
          } finally {
            node.child.kill('SIGCONT');
          }
          rawEchoes += MESSAGES;
          await caughtUp(rawEchoes, true);
        };
        // A B B A (B A A B on odd runs); with the diagnostic, A B C C B A turned by the run
        const cases = diagnose ? rotated([measureOurs, measureRaw, measureDirect], run) : run % 2 === 0 ? [measureOurs, measureRaw] : [measureRaw, measureOurs];
        for (const measure of [...cases, ...[...cases].reverse()]) await measure();
        const { peers, errors } = await page.evaluate(() => poolChannelBench.state());
        if (errors.length > 0) log(`M3${stall ? '·s' : ''} run ${run}: errors on the sender's pool channel: ${errors.join('; ')}`);
        if (peers.length !== 3) log(`M3${stall ? '·s' : ''} run ${run}: the sender's pool channel ends with ${peers.length} peers`);
        await page.evaluate(() => poolChannelBench.tearDown());
        into.ours.push(...got.ours);
        into.raw.push(...got.raw);
        into.direct.push(...got.direct);
        into.catchUp.push(...got.catchUp);
      } catch (error) {
        log(`M3${stall ? '·s' : ''} run ${run} given up, its samples dropped: ${String(error)}${node ? `\nthe Node peer ${node.id} printed:\n${node.output()}` : ''}`);
        failures.push(`M3${stall ? '·s' : ''}`);
      } finally {
        await page.close();
        if (node) await stopNodePeer(node);
      }
    };
    for (let run = 0; run < RUNS; run += 1) {
      // the rows take turns too, so neither always meets a warmer machine
      for (const stall of run % 2 === 0 ? [false, true] : [true, false]) {
        if (ONLY === (stall ? 'broadcast' : 'stalled')) continue;
        await pageRun(run, stall, stall ? stalled : broadcast);
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await release();
  }
  const mib = (MESSAGES * MESSAGE_BYTES) / 1024 / 1024;
  const mbps = (ms: number): number => (mib * 1.048576) / (ms / 1000);
  // the ratio of each pair measured side by side (same page, same slot of the run), then their median
  const ratio = (s: Samples): number => median(s.ours.map((t, i) => s.raw[i]!.ms / t.ms));
  const runs = (list: Timing[]): string => list.map((t) => fixed(mbps(t.ms), 1)).join(', ');
  const describe = (name: string, s: Samples): void => {
    log(`${name}: ours ${runs(s.ours)} MB/s per receiver; raw ${runs(s.raw)} MB/s`);
    const spread = (list: Timing[]): string => fixed(median(list.map((t) => Math.max(...t.each) - Math.min(...t.each))), 0);
    log(
      `${name}: median ms to the last receiver ${fixed(median(s.ours.map((t) => t.ms)), 0)} vs ${fixed(median(s.raw.map((t) => t.ms)), 0)}; ` +
        `the sender's loop ended at ${fixed(median(s.ours.map((t) => t.sendMs)), 0)} vs ${fixed(median(s.raw.map((t) => t.sendMs)), 0)} ms; ` +
        `first to last receiver ${spread(s.ours)} vs ${spread(s.raw)} ms`,
    );
    if (s.direct.length > 0) log(`${name}: ${s.catchUp.length > 0 ? 'raw with a third raw channel to the frozen peer' : 'PeerChannels alone'} ${runs(s.direct)} MB/s, loop ended at ${fixed(median(s.direct.map((t) => t.sendMs)), 0)} ms`);
    if (s.catchUp.length > 0) log(`${name}: the thawed Node peer caught up in ${s.catchUp.map((ms) => fixed(ms, 0)).join(', ')} ms`);
  };
  describe('M3', broadcast);
  describe('M3·s', stalled);
  const size = MESSAGE_BYTES % 1024 === 0 ? `${MESSAGE_BYTES / 1024} KiB` : `${MESSAGE_BYTES} B`;
  const rate = (list: Timing[]): number => mbps(median(list.map((t) => t.ms)));
  const givenUp = (id: string): string => {
    const count = failures.filter((row) => row === id).length;
    return count === 0 ? '' : ` (${count} of ${RUNS} page runs given up)`;
  };
  const broadcastRatio = ratio(broadcast);
  const stalledRatio = ratio(stalled);
  return [
    {
      id: 'M3',
      what: `broadcast to 3 pools of one page through pool.channel(): ${MESSAGES} × ${size}, each send() awaited, to the last byte at the last receiver`,
      ours: `${fixed(rate(broadcast.ours), 1)} MB/s per receiver${givenUp('M3')}`,
      baseline: `3 raw channels, each paced by hand (4 MiB mark) ${fixed(rate(broadcast.raw), 1)} MB/s`,
      ratio: `${fixed(broadcastRatio)} ×`,
      target: `≥ ${TARGET_RATIO} ×`,
      met: broadcastRatio >= TARGET_RATIO,
    },
    {
      id: 'M3·s',
      what: `the same to 2 pools of the page while a third receiver (a Node peer) is frozen (SIGSTOP): the 2 healthy ones' rate`,
      ours: `${fixed(rate(stalled.ours), 1)} MB/s per receiver${givenUp('M3·s')}`,
      baseline: `raw channels to the 2 healthy ones alone ${fixed(rate(stalled.raw), 1)} MB/s`,
      ratio: `${fixed(stalledRatio)} ×`,
      target: `≥ ${TARGET_RATIO} ×`,
      met: stalledRatio >= TARGET_RATIO,
    },
    ...(stalled.direct.length === 0
      ? []
      : [
          {
            id: 'M3·s·d',
            what: 'diagnostic: the baseline of M3·s with a third raw channel, to the frozen peer, paced by hand like the others',
            ours: `${fixed(rate(stalled.direct), 1)} MB/s per healthy receiver`,
            baseline: `raw channels to the 2 healthy ones alone ${fixed(rate(stalled.raw), 1)} MB/s`,
            ratio: `${fixed(median(stalled.direct.map((t, i) => stalled.raw[i]!.ms / t.ms)))} ×`,
            target: '',
            met: null,
          },
        ]),
    ...(broadcast.direct.length === 0
      ? []
      : [
          {
            id: 'M3·d',
            what: 'diagnostic: the same as M3 on 3 PeerChannels (connection.channel()), each send() awaited on its own channel',
            ours: `${fixed(rate(broadcast.direct), 1)} MB/s per receiver`,
            baseline: `3 raw channels ${fixed(rate(broadcast.raw), 1)} MB/s`,
            ratio: `${fixed(median(broadcast.direct.map((t, i) => broadcast.raw[i]!.ms / t.ms)))} ×`,
            target: '',
            met: null,
          },
        ]),
  ];
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  printRows(poolChannelRows);
}
