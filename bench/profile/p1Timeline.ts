// P1 timeline (issue 12: where on the critical path P1's gap to plain code opens). When each step
// of one cold P1 mesh setup reaches the page's thread, for rtcpool, rtcpool 3.0.2 and raw
// RTCPeerConnections signalled through the same server: the three P1 cases of bench/page/bench.ts,
// bundled and served as bench/browser.ts does, through the real signalling server on 127.0.0.1,
// each in a fresh page in headless Chromium, after the bench's untimed raw pair and an idle wait.
// bench/profile/p1Recorder.ts notes the steps in the page; this prints, per milestone, the median
// over the runs of its time after the first rtc:join was sent (the case's clock starts just
// before). The CPU profiles of bench/profile/p1Profile.ts say how much JavaScript runs; this says
// where it delays the steps that the pair's setup waits for.
//
//   npm run build && node --import tsx bench/profile/p1Timeline.ts [--n 4] [--runs 11] [--compile-hint] [--steps K]
//   (npm run bench:timeline -- [options] does the same.) On a shared machine, take the karma lock.
//
//   --compile-hint   opens the page's script with V8's `//# allFunctionsCalledOnLoad`, so that
//                    every case's code is compiled as the page loads: what is left of a gap is not
//                    the lazy compilation of code on its first call (a cold page's cost)
//   --steps K        also prints the first K steps of the setup, each one the recorder noted
//                    (the k-th message received, connection made, description set, ...), with
//                    its median time per case: between which two steps a gap grows
//
// Caveats. A milestone is the moment the page's thread handles it, so a busy thread delays it as it
// delays the library; that is the point. The recorder's wrappers cost every case alike, a few µs
// per call. Timer resolution is Chromium's (5 µs with the flags used here).
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleBenchPage } from '../benchPage';
import { untilIdle } from '../quiesce';
import { fixed, median } from '../stats';
import { withCaseTimeout } from './caseTimeout';
import { forEachColdPage } from './coldPages';
import type { TimelineEntry } from './p1Recorder';

const root = join(import.meta.dirname, '..', '..');
type CaseFn = 'setupPools' | 'setupPools3' | 'setupRawViaServer';
const CASES: ReadonlyArray<{ readonly fn: CaseFn; readonly label: string }> = [
  { fn: 'setupPools', label: 'rtcpool' },
  { fn: 'setupPools3', label: '3.0.2' },
  { fn: 'setupRawViaServer', label: 'raw via server' },
];

declare const bench: Record<CaseFn, (url: string, n: number) => Promise<number>> & { warm(): Promise<void> };
declare const p1Timeline: { start(): void; take(): TimelineEntry[] };

const USAGE = 'usage: node --import tsx bench/profile/p1Timeline.ts [--n N (4)] [--runs R (11)] [--compile-hint] [--steps K]\n(build first: npm run build)';
/** V8's magic comment that compiles every function of a script when it loads. */
const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/**
 * The milestones of one run, in ms after the first `rtc:join` went out; NaN for one that did
 * not happen. A mesh of N has N(N-1)/2 pairs: as many offers, answers and opened channels.
 */
function milestones(entries: readonly TimelineEntry[], n: number): Map<string, number> {
  const pairs = (n * (n - 1)) / 2;
  const start = entries.find(([, what]) => what === 'sent rtc:join')?.[0] ?? NaN;
  /** The time of the k-th entry (1-based) that `test` accepts. */
  const nth = (test: (what: string) => boolean, k: number): number => entries.filter(([, what]) => test(what))[k - 1]?.[0] ?? NaN;
  const at = (test: (what: string) => boolean, k: number): number => nth(test, k) - start;
  const is = (what: string) => (other: string) => other === what;
  return new Map([
    ['last rtc:joined handled', at(is('received rtc:joined'), n)],
    ['first connection made', at(is('new RTCPeerConnection'), 1)],
    ['last connection made', at(is('new RTCPeerConnection'), 2 * pairs)],
    ['first offer begun', at(is('setLocalDescription offer'), 1)],
    ['first offer sent', at(is('sent rtc:sdp offer'), 1)],
    ['last offer sent', at(is('sent rtc:sdp offer'), pairs)],
    ['first answer sent', at(is('sent rtc:sdp answer'), 1)],
    ['last answer sent', at(is('sent rtc:sdp answer'), pairs)],
    ['first candidate sent', at(is('sent rtc:candidate'), 1)],
    ['first candidate added', at(is('addIceCandidate'), 1)],
    ['first answer applied', at(is('setRemoteDescription answer done'), 1)],
    ['first ICE connected', at(is('ice connected'), 1)],
    // the case's clock stops when the last channel opens at its maker's end
    ['last channel open', at(is('open bench'), pairs)],
  ]);
}

/** Adds one run's time of `name` to the samples of the case `label`. */
function addSample(byCase: Map<string, Map<string, number[]>>, label: string, name: string, value: number): void {
  const byName = byCase.get(label) ?? new Map<string, number[]>();
  byCase.set(label, byName);
  byName.set(name, [...(byName.get(name) ?? []), value]);
}

/**
 * Each step of one run, named by what the recorder noted and which time that was (`sent
 * rtc:candidate #3`: the third candidate sent), with its time after the first `rtc:join` went out.
 */
function steps(entries: readonly TimelineEntry[]): Map<string, number> {
  const start = entries.find(([, what]) => what === 'sent rtc:join')?.[0] ?? NaN;
  const seen = new Map<string, number>();
  const byStep = new Map<string, number>();
  for (const [time, what] of entries) {
    const k = (seen.get(what) ?? 0) + 1;
    seen.set(what, k);
    byStep.set(`${what} #${k}`, time - start);
  }
  return byStep;
}

/**
 * A table of the first `count` steps: those seen in at least 80 % of a case's runs, in the order
 * of the first case's medians (a step it lacks by the earliest of the others').
 */
function stepTable(byCase: ReadonlyMap<string, ReadonlyMap<string, number[]>>, labels: readonly string[], runs: number, count: number): string {
  const medians = new Map<string, Map<string, number>>();
  for (const label of labels) {
    for (const [step, samples] of byCase.get(label) ?? []) {
      if (samples.length < 0.8 * runs) continue;
      medians.set(step, (medians.get(step) ?? new Map()).set(label, median(samples)));
    }
  }
  const first = (step: string): number => medians.get(step)!.get(labels[0]!) ?? Math.min(...medians.get(step)!.values());
  const rows = [...medians.keys()]
    .sort((a, b) => first(a) - first(b))
    .slice(0, count)
    .map((step) => `| ${step} | ${labels.map((label) => medians.get(step)!.get(label)).map((t) => (t === undefined ? '—' : `${fixed(t, 1)} ms`)).join(' | ')} |`);
  return `| step | ${labels.join(' | ')} |\n|---|${labels.map(() => '---').join('|')}|\n${rows.join('\n')}\n`;
}

async function main(): Promise<void> {
  let values: { n: string; runs: string; 'compile-hint': boolean; steps?: string; help: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        n: { type: 'string', default: '4' },
        runs: { type: 'string', default: '11' },
        'compile-hint': { type: 'boolean', default: false },
        steps: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [n, runs, stepCount] = [Number(values.n), Number(values.runs), values.steps === undefined ? 0 : Number(values.steps)];
  if (!(Number.isInteger(n) && n >= 2 && Number.isInteger(runs) && runs >= 1 && Number.isInteger(stepCount) && stepCount >= 0)) {
    process.stderr.write(`--n ${values.n} --runs ${values.runs} --steps ${values.steps ?? ''}: expected N ≥ 2, runs ≥ 1 and steps ≥ 0\n${USAGE}\n`);
    process.exit(2);
  }
  // V8's explicit compile hint (Chrome 136+) must open the script: every function in it is then
  // compiled as the page loads, not on its first call inside the clock
  const script = (values['compile-hint'] ? `${COMPILE_HINT}\n` : '') + (await bundleBenchPage(join(root, 'dist', 'index.mjs')));
  const recorder = (await build({ entryPoints: [join(import.meta.dirname, 'p1Recorder.ts')], bundle: true, format: 'iife', write: false, logLevel: 'silent' }))
    .outputFiles[0]!.text;
  const http = createServer((request, response) => {
    if (request.url === '/bench.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (request.url === '/recorder.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(recorder);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/recorder.js"></script><script src="/bench.js"></script>');
  });
  /** Per case label, per milestone, the runs' times; and per step. */
  const times = new Map<string, Map<string, number[]>>();
  const stepTimes = new Map<string, Map<string, number[]>>();
  await forEachColdPage(http, [[n, runs]], CASES, () => '/', async ({ page, server, case: c, run }) => {
    await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.());
    await untilIdle();
    await page.evaluate(() => p1Timeline.start());
    const ms = await withCaseTimeout(page.evaluate(([fn, u, size]) => bench[fn](u, size), [c.fn, server.url, n] as const), `${c.label} N=${n}`);
    const entries = await page.evaluate(() => p1Timeline.take());
    for (const [name, value] of [...milestones(entries, n), ['setup (the case’s clock)', ms] as const]) {
      if (!Number.isNaN(value)) addSample(times, c.label, name, value);
    }
    for (const [step, value] of steps(entries)) addSample(stepTimes, c.label, step, value);
    process.stderr.write(`N=${n} run ${run} ${c.label.padEnd(15)} setup ${ms.toFixed(1).padStart(6)} ms\n`);
  });
  const labels = CASES.map((c) => c.label);
  const names = [...(times.get(labels[0]!)?.keys() ?? [])];
  const cell = (label: string, name: string): string => {
    const samples = times.get(label)?.get(name) ?? [];
    return samples.length === 0 ? '—' : `${fixed(median(samples), 1)} ms${samples.length < runs ? ` (${samples.length} runs)` : ''}`;
  };
  const rows = names.map((name) => `| ${name} | ${labels.map((label) => cell(label, name)).join(' | ')} |`);
  process.stdout.write(
    `N = ${n}, ${runs} runs: median ms after the first rtc:join was sent, as the page's thread handled each step\n\n` +
      `| milestone | ${labels.join(' | ')} |\n|---|${labels.map(() => '---').join('|')}|\n${rows.join('\n')}\n`,
  );
  if (stepCount > 0) {
    process.stdout.write(`\nThe first ${stepCount} steps: median ms after the first rtc:join was sent (steps seen in at least 80 % of a case's runs)\n\n`);
    process.stdout.write(stepTable(stepTimes, labels, runs, stepCount));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
