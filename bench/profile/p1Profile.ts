// P1 profile (issue 12: where P1's gap to 3.0.2 and to plain code comes from). How much JavaScript
// CPU one cold P1 mesh setup in headless Chromium spends in rtcpool (and the rxjs it drives), in
// rtcpool 3.0.2 (npm, the `rtcpool3` alias) and in raw RTCPeerConnections signalled through the
// same server by plain code: the three P1 cases of bench/page/bench.ts, bundled and served as
// bench/browser.ts does, through the real signalling server on 127.0.0.1. All N pools of P1 share
// the page's one main thread, so every ms of library JS there delays every other pool's next
// offer, answer or candidate; this measures that JS directly, where end-to-end times are too noisy.
//
//   npm run build && node --import tsx bench/profile/p1Profile.ts [--plan 4:12,8:8] [--compare <dist>] [--out <dir>] [--by-function] [--coverage]
//   (npm run bench:profile -- [options] does the same.) On a shared machine, take the karma lock:
//   flock /tmp/rtcpool-karma.lock node --import tsx bench/profile/p1Profile.ts
//
//   --plan N:runs,…   mesh sizes and runs of each (default 4:12,8:8); a run is one fresh page per
//                     case, the cases in an order that turns each run
//   --compare <dist>  adds the case "ours (compare dist)": ours built from another dist directory
//                     (e.g. another checkout's dist/), interleaved page by page with the others, so
//                     that two builds compare in one run (rxjs comes from this checkout for both)
//   --out <dir>       where to write (default: a new directory under the OS temp dir, printed)
//   --by-function     also prints the functions of ours with the most self time in the clock (with
//                     --coverage: ours by module, functions run, first runs and calls)
//   --coverage        counts instead of profiling: V8's precise coverage of each case's clock, how
//                     many functions of the library ran, how many of them for the first time, and
//                     how many calls they took (bench/profile/coverageTally.ts); the Debugger pauses
//                     the page at each edge. Counting calls turns V8's optimizing compilers off,
//                     so its setup times are not comparable with any other
//
// Profiles this checkout's dist/ (build it first). Each case: a fresh page; the bench's untimed raw
// pair (warm()); gc(); a wait until the browser is idle (bench/quiesce.ts); then the case under the
// CDP sampling profiler (100 µs), its clock marked by bench/profile/p1Clock.ts, which also reads
// the page renderer's main-thread CPU time (/proc schedstat) at the clock's edges. Writes the
// table (table.md), by-function.md, samples.jsonl, meta.json, the bundles (bench-0.js, bench-1.js)
// and every profile (*.cpuprofile: open in Chrome DevTools' Performance panel). With --coverage:
// coverage.md, samples.jsonl, meta.json and the bundles.
//
// Caveats. The profiler samples wall time: a sample's interval also counts the time the main thread
// waited, runnable, for one of the 2 cores, so "lib JS CPU" scales the sampled ms by the thread's
// on-CPU share in the clock, which assumes the waits fall evenly on whatever it was running. Cases
// of one run differ by about ±5 % from noise alone, and the same case by about ±20 % between runs:
// compare builds with --compare, not across runs. The profiler is on in every case (setup ms are
// slower than the benchmark's), and so are the two /mark round trips, outside the clock. Linux only.
import { build } from 'esbuild';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { untilIdle } from '../quiesce';
import { withCaseTimeout } from './caseTimeout';
import { forEachColdPage } from './coldPages';
import { coverageTally, type Coverage } from './coverageTally';
import { cpuTally, type CpuProfile } from './cpuTally';
import { mainThreadTimes, pageRenderer, type ThreadTimes } from './pageRenderer';
import { profileBundle, type ProfileBundle } from './profileBundle';
import { byFunctionTable, coverageTable, profileTable, type CaseFn, type CoverageSample, type ProfileMeta, type ProfileSample } from './profileTable';

const root = join(import.meta.dirname, '..', '..');
/** The default `--plan`: mesh sizes and runs of each. */
export const DEFAULT_PLAN = '4:12,8:8';
/** The profiler's sampling interval (µs). */
export const SAMPLING_INTERVAL_US = 100;
/** How long /mark holds its reply, so that the profile samples the blocked marks (ms). */
export const MARK_HOLD_MS = 5;

declare const bench: Record<CaseFn, (url: string, n: number) => Promise<number>> & { warm(): Promise<void> };
declare const p1Clock: typeof import('./p1Clock').p1Clock;

/** A case: which page function, with which bundle (0: this checkout's dist, 1: --compare). */
interface Case {
  readonly id: string;
  readonly label: string;
  readonly fn: CaseFn;
  readonly bundle: 0 | 1;
}

const USAGE = `usage: node --import tsx bench/profile/p1Profile.ts [--plan N:runs,… (${DEFAULT_PLAN})] [--compare <dist dir>] [--out <dir>] [--by-function] [--coverage]
(build first: npm run build; the header of bench/profile/p1Profile.ts says what it measures)`;

/** Stops with the usage on a bad command line. */
function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function options(): { plan: Array<[number, number]>; compare: string | null; out: string | null; byFunction: boolean; coverage: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        plan: { type: 'string', default: DEFAULT_PLAN },
        compare: { type: 'string' },
        out: { type: 'string' },
        'by-function': { type: 'boolean', default: false },
        coverage: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const plan = values.plan.split(',').map((step) => step.split(':').map(Number) as [number, number]);
  for (const [n, runs] of plan) {
    if (!(Number.isInteger(n) && n >= 2 && Number.isInteger(runs) && runs >= 1)) usageError(`--plan ${values.plan}: expected N:runs,… with N ≥ 2 and runs ≥ 1`);
  }
  return { plan, compare: values.compare ?? null, out: values.out ?? null, byFunction: values['by-function'], coverage: values.coverage };
}

/**
 * Runs a case in `page` (warmed) with V8's precise coverage on, paused by the Debugger at each
 * edge of its clock (bench/profile/p1Clock.ts), where it takes the counts: each take resets them,
 * so the take at the start holds what ran before the clock and the take at the stop what ran in it.
 */
async function countCase(page: Page, c: Case, n: number, run: number, url: string, bundle: ProfileBundle): Promise<CoverageSample> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const takes = new Map<'start' | 'stop', Coverage>();
    const failures: unknown[] = [];
    cdp.on('Debugger.paused', ({ callFrames }) => {
      // the edge is the clock mark on the paused stack; any other pause just goes on
      const at = (name: string): boolean => callFrames.some((frame) => frame.functionName === name);
      const edge = at('__p1ClockStart') ? 'start' : at('__p1ClockStop') ? 'stop' : null;
      (edge === null ? Promise.resolve() : cdp.send('Profiler.takePreciseCoverage').then(({ result }) => void takes.set(edge, result)))
        .finally(() => cdp.send('Debugger.resume'))
        .catch((error: unknown) => void failures.push(error));
    });
    await cdp.send('Profiler.enable');
    await cdp.send('Debugger.enable');
    // block counts (detailed): a function's count is then its calls; without them, V8 also counts
    // each time an async function or a generator resumes
    await cdp.send('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.());
    const idle = await untilIdle();
    await page.evaluate(() => p1Clock.arm('pause'));
    let ms: number;
    try {
      ms = await withCaseTimeout(page.evaluate(([fn, u, size]) => bench[fn](u, size), [c.fn, url, n] as const), `${c.label} N=${n}`);
    } catch (error) {
      // a failed take or resume leaves the page paused until the time-out: say what failed
      throw failures.length ? new Error(`coverage of ${c.label} N=${n}: ${String(failures[0])}`, { cause: error }) : error;
    }
    const edges = await page.evaluate(() => p1Clock.disarm());
    if (failures.length) throw new Error(`coverage of ${c.label} N=${n}: ${String(failures[0])}`);
    const [start, stop] = [takes.get('start'), takes.get('stop')];
    const tally = edges === 2 && start && stop ? coverageTally(start, stop, bundle, `/bench-${c.bundle}.js`) : null;
    return { n, run, label: c.label, fn: c.fn, bundle: c.bundle, ms, idle, tally };
  } finally {
    await cdp.detach();
  }
}

/** A dist directory's real path, or a hint at how to make it. */
function distDir(path: string, hint: string): string {
  if (!existsSync(join(path, 'index.mjs'))) throw new Error(`no ${join(path, 'index.mjs')}: ${hint}`);
  return realpathSync(path);
}

/** This checkout's commit and how many files under src/ differ from it; a warning if src/ is newer than dist/. */
function checkout(dist: string): string {
  const built = statSync(join(dist, 'index.mjs')).mtimeMs;
  const newer = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && statSync(join(root, 'src', file)).mtimeMs > built);
  if (newer.length) process.stderr.write(`warning: ${newer.length} files under src/ are newer than dist/ (${newer[0]}, …): run npm run build?\n`);
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? `, ${changed} files changed under src/` : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

async function main(): Promise<void> {
  const { plan, compare, out, byFunction, coverage } = options();
  const dist = distDir(join(root, 'dist'), 'run npm run build first');
  const compareDist = compare === null ? null : distDir(resolve(compare), 'build that checkout first');
  const commit = checkout(dist);
  const outDir = out === null ? mkdtempSync(join(tmpdir(), 'rtcpool-p1profile-')) : resolve(out);
  mkdirSync(outDir, { recursive: true });
  process.stderr.write(`${coverage ? 'counting' : 'profiling'} ${dist}${compareDist ? ` against ${compareDist}` : ''}, plan ${plan.map((p) => p.join(':')).join(',')}; writing to ${outDir}\n`);
  const loadBefore = loadavg();

  const bundles: ProfileBundle[] = [await profileBundle(dist), ...(compareDist ? [await profileBundle(compareDist)] : [])];
  bundles.forEach((bundle, k) => writeFileSync(join(outDir, `bench-${k}.js`), bundle.script));
  const clockScript = (
    await build({ entryPoints: [join(import.meta.dirname, 'p1Clock.ts')], bundle: true, format: 'iife', write: false, logLevel: 'silent' })
  ).outputFiles[0]!.text;
  const cases: Case[] = [
    { id: 'ours', label: 'ours', fn: 'setupPools', bundle: 0 },
    ...(compareDist ? [{ id: 'ours-compare', label: 'ours (compare dist)', fn: 'setupPools', bundle: 1 } as const] : []),
    { id: 'v3', label: '3.0.2', fn: 'setupPools3', bundle: 0 },
    { id: 'raw', label: 'raw via server', fn: 'setupRawViaServer', bundle: 0 },
  ];

  // the page's main-thread times at the clock's edges, read while the page waits in /mark
  let pagePid: number | null = null;
  const marks = new Map<'start' | 'stop', ThreadTimes | null>();
  const http = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/mark?start' || path === '/mark?stop') {
      marks.set(path === '/mark?start' ? 'start' : 'stop', pagePid === null ? null : mainThreadTimes(pagePid));
      setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(), MARK_HOLD_MS);
    } else if (path === '/p1clock.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(clockScript);
    else if (/^\/bench-[01]\.js$/.test(path)) response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundles[Number(path[7])]?.script ?? '');
    else {
      const k = path.endsWith('?bundle=1') ? 1 : 0;
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script src="/p1clock.js"></script><script src="/bench-${k}.js"></script>`);
    }
  });
  const samples: ProfileSample[] = [];
  const counts: CoverageSample[] = [];
  const samplesFile = join(outDir, 'samples.jsonl');
  writeFileSync(samplesFile, '');
  await forEachColdPage(http, plan, cases, (c) => `/?bundle=${c.bundle}`, async ({ page, server, case: c, n, run }) => {
    if (coverage) {
      const sample = await countCase(page, c, n, run, server.url, bundles[c.bundle]!);
      counts.push(sample);
      appendFileSync(samplesFile, `${JSON.stringify(sample)}\n`);
      const { tally } = sample;
      process.stderr.write(
        `N=${n} run ${run} ${c.label.padEnd(19)} setup ${sample.ms.toFixed(1).padStart(6)} ms, ` +
          `${tally ? `functions run in clock ${Object.values(tally.functions).reduce((sum, functions) => sum + functions, 0)} (all code)` : 'clock not found'}` +
          `${sample.idle ? '' : ' (browser not idle)'}\n`,
      );
      return;
    }
    pagePid = await pageRenderer((ms) => page.evaluate((spin) => { const until = performance.now() + spin; while (performance.now() < until); }, ms));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.());
    const idle = await untilIdle();
    marks.clear();
    await page.evaluate(() => p1Clock.arm());
    await cdp.send('Profiler.start');
    const ms = await withCaseTimeout(page.evaluate(([fn, u, size]) => bench[fn](u, size), [c.fn, server.url, n] as const), `${c.label} N=${n}`);
    const { profile } = await cdp.send('Profiler.stop');
    const nowCalls = await page.evaluate(() => p1Clock.disarm());
    writeFileSync(join(outDir, `${c.id}-${n}-${run}.cpuprofile`), JSON.stringify(profile));
    const tally = cpuTally(profile as CpuProfile, bundles[c.bundle]!, `/bench-${c.bundle}.js`);
    const clocked = nowCalls === 2 && tally.clock !== null;
    const [start, stop] = [marks.get('start'), marks.get('stop')];
    const main = clocked && start && stop ? { cpu: (stop.cpuNs - start.cpuNs) / 1e6, waited: (stop.waitNs - start.waitNs) / 1e6 } : null;
    const sample: ProfileSample = {
      n, run, label: c.label, fn: c.fn, bundle: c.bundle, ms, idle, whole: tally.whole, clock: clocked ? tally.clock : null, main,
      ...(c.fn === 'setupPools' && clocked ? { functions: tally.functions } : {}),
    };
    samples.push(sample);
    appendFileSync(samplesFile, `${JSON.stringify(sample)}\n`);
    process.stderr.write(
      `N=${n} run ${run} ${c.label.padEnd(19)} setup ${ms.toFixed(1).padStart(6)} ms, main thread CPU in clock ${main ? `${main.cpu.toFixed(1).padStart(5)} ms (waited ${main.waited.toFixed(1)})` : '—'}` +
        `${clocked ? '' : ` (clock not found: ${nowCalls} performance.now() calls)`}${pagePid === null ? ' (page renderer not found)' : ''}${idle ? '' : ' (browser not idle)'}\n`,
    );
  });
  const meta: ProfileMeta = { dist, compareDist, commit, loadBefore, loadAfter: loadavg() };
  writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 2));
  if (coverage) {
    const table = coverageTable(counts, meta, byFunction);
    writeFileSync(join(outDir, 'coverage.md'), `${table}\n`);
    process.stdout.write(`${table}\n\nfiles: ${outDir}\n`);
    return;
  }
  const summary = profileTable(samples, meta);
  writeFileSync(join(outDir, 'table.md'), `${summary}\n`);
  const functions = byFunctionTable(samples);
  writeFileSync(join(outDir, 'by-function.md'), `${functions}\n`);
  process.stdout.write(`${summary}\n${byFunction ? `\n${functions}\n` : ''}\nfiles: ${outDir}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
