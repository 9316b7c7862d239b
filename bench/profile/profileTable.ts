// The tables of bench/profile/p1Profile.ts: per mesh size and case, the library's JavaScript CPU in
// the clock and the page main thread's CPU (medians with ranges), and, for `--by-function`, the
// functions of ours that ran longest; under `--coverage`, the functions run and calls made instead.
import { fixed, median } from '../stats';
import type { Counts, CoverageTally } from './coverageTally';
import type { Tally } from './cpuTally';
import type { Bucket } from './profileBundle';

/** The page function a case runs (bench/page/bench.ts). */
export type CaseFn = 'setupPools' | 'setupPools3' | 'setupRawViaServer';

/** One case run: one fresh page, one cold setup. */
export interface CaseRun {
  readonly n: number;
  readonly run: number;
  /** The case's label: "ours", "ours (compare dist)", "3.0.2", "raw via server". */
  readonly label: string;
  readonly fn: CaseFn;
  /** Which bundle the page ran: bench-0.js (this checkout's dist) or bench-1.js (--compare). */
  readonly bundle: 0 | 1;
  /** Setup ms as the page timed it (with the profiler, or the Debugger and coverage, on: slower than the benchmark's). */
  readonly ms: number;
  /** Whether the browser was idle before the case (bench/quiesce.ts). */
  readonly idle: boolean;
}

/** One profiled case. */
export interface ProfileSample extends CaseRun {
  readonly whole: Tally;
  /** Null when the clock's marks were not found (see bench/profile/p1Clock.ts). */
  readonly clock: Tally | null;
  /** The page main thread's on-CPU and run-queue ms in the clock; null when not measured. */
  readonly main: { readonly cpu: number; readonly waited: number } | null;
  /** Ours only: sampled self ms in the clock by function (cpuTally's keys). */
  readonly functions?: Record<string, number>;
}

/** What a run profiled, and how loaded the machine was. */
export interface ProfileMeta {
  readonly dist: string;
  readonly compareDist: string | null;
  /** This checkout's commit, and how many files under src/ differ from it. */
  readonly commit: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** The library's own part of a case: rtcpool + rxjs for ours, 3.0.2's code, the page's signalling code for raw. */
const libJs = (fn: CaseFn, t: Readonly<Record<Bucket, number>>): number => (fn === 'setupPools' ? t.rtcpool + t.rxjs : fn === 'setupPools3' ? t.v3 : t.page);

/**
 * Sampled (wall) ms scaled to CPU ms: on 2 cores the page's main thread is runnable but waiting
 * for a CPU for much of the setup (its own WebRTC threads, the browser, the server), and a
 * sample's interval counts that wait. Scaling by on-CPU / (on-CPU + waited) of the same thread in
 * the same window assumes the waits fall evenly on whatever it was running.
 */
export const scaled = (sample: ProfileSample, sampledMs: number): number | null =>
  sample.clock && sample.main && sample.main.cpu + sample.main.waited > 0 ? (sampledMs * sample.main.cpu) / (sample.main.cpu + sample.main.waited) : null;

const present = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null);
const oneDecimal = (value: number): string => fixed(value, 1);
/** A count, or a median of counts: whole numbers without decimals. */
const count = (value: number): string => (Number.isInteger(value) ? `${value}` : oneDecimal(value));
const med = (values: readonly number[], format = oneDecimal): string => (values.length ? format(median(values)) : '—');
const spread = (values: readonly number[], format = oneDecimal): string =>
  values.length ? `${med(values, format)} (${format(Math.min(...values))}–${format(Math.max(...values))})` : '—';
const loads = (values: readonly number[]): string => values.map((v) => fixed(v)).join(' ');
const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** The summary table, with its header lines and legend. */
export function profileTable(samples: readonly ProfileSample[], meta: ProfileMeta): string {
  const lines = [
    `dist: ${meta.dist} (${meta.commit})${meta.compareDist ? `; compare dist: ${meta.compareDist}` : ''}; cold: one fresh page per case; ms per run: median (min–max) over runs`,
    `load average (1, 5, 15 min) before: ${loads(meta.loadBefore)}, after: ${loads(meta.loadAfter)}; ` +
      `cases started with the browser not idle: ${samples.filter((s) => !s.idle).length}/${samples.length}`,
    '',
    '| N | case | runs | lib JS CPU in clock | ours: rtcpool + rxjs | GC CPU in clock | lib JS sampled (wall) | main-thread CPU | main thread waited | lib JS sampled, whole call | setup ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of unique(samples.map((s) => s.n))) {
    for (const label of unique(samples.map((s) => s.label))) {
      const of = samples.filter((s) => s.n === n && s.label === label);
      if (!of.length) continue;
      const fn = of[0]!.fn;
      const clocked = of.filter((s) => s.clock && s.main);
      const cells = [
        `${n}`,
        label,
        `${of.length}${clocked.length < of.length ? ` (${clocked.length} clocked)` : ''}`,
        spread(present(clocked.map((s) => scaled(s, libJs(fn, s.clock!))))),
        fn === 'setupPools'
          ? `${med(present(clocked.map((s) => scaled(s, s.clock!.rtcpool))))} + ${med(present(clocked.map((s) => scaled(s, s.clock!.rxjs))))}`
          : '',
        med(present(clocked.map((s) => scaled(s, s.clock!.gc)))),
        spread(clocked.map((s) => libJs(fn, s.clock!))),
        spread(clocked.map((s) => s.main!.cpu)),
        med(clocked.map((s) => s.main!.waited)),
        spread(of.map((s) => libJs(fn, s.whole))),
        spread(of.map((s) => s.ms)),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  lines.push(
    '',
    "- lib JS: samples (CDP profiler, 100 µs) whose leaf frame is the library's code: ours = rtcpool's dist + rxjs (+ tslib); 3.0.2 = its",
    "  npm code (+ bench/babelRuntime.cjs); raw = the bench page's own signalling code. Native calls without a frame of their own count as",
    "  their caller's.",
    "- in clock: from the first join() to the last channel open (the bench's timed window); \"whole call\" adds the pools' construction",
    '  before it and close() after it (sampled only).',
    "- main-thread CPU / waited: the page renderer's main thread, on CPU and waiting runnable for a CPU, in the clock (/proc schedstat).",
    '- lib JS CPU = lib JS sampled (wall) × on-CPU / (on-CPU + waited) of the main thread in the clock: sample intervals are wall time,',
    '  and the thread waits for a CPU for much of the setup (2 cores). GC CPU is scaled alike. setup ms: end to end, same runs, profiler on.',
    "- Before each case: the bench's untimed raw pair (warm()), gc(), then a wait until the browser is idle (bench/quiesce.ts).",
    '- Noise on this 2-core machine: about ±5 % between cases of one run (they alternate page by page), ±20 % between runs; compare',
    '  builds within one run (--compare).',
  );
  return lines.join('\n');
}

/** How many functions `byFunctionTable` lists per case. */
export const TOP_FUNCTIONS = 15;

/**
 * For each mesh size and case of ours: the functions of rtcpool and rxjs with the most self time
 * in the clock (CPU ms, scaled as in the summary; mean per clocked run, so that they add up).
 */
export function byFunctionTable(samples: readonly ProfileSample[]): string {
  const lines: string[] = [];
  for (const n of unique(samples.map((s) => s.n))) {
    for (const label of unique(samples.filter((s) => s.fn === 'setupPools').map((s) => s.label))) {
      const clocked = samples.filter((s) => s.n === n && s.label === label && s.functions && scaled(s, 1) !== null);
      if (!clocked.length) continue;
      const total = new Map<string, number>();
      for (const s of clocked) for (const [key, ms] of Object.entries(s.functions!)) total.set(key, (total.get(key) ?? 0) + scaled(s, ms)!);
      const ours = [...total.values()].reduce((a, b) => a + b, 0) / clocked.length;
      lines.push(
        '',
        `N = ${n}, ${label}: rtcpool + rxjs self time in the clock, ${fixed(ours, 1)} CPU ms per run ` +
          `(mean of ${clocked.length} run${clocked.length === 1 ? '' : 's'}); the top ${TOP_FUNCTIONS}`,
        '',
        `| CPU ms per run | share | function | module | line in bench-${clocked[0]!.bundle}.js |`,
        '|---|---|---|---|---|',
        ...[...total]
          .sort((a, b) => b[1] - a[1])
          .slice(0, TOP_FUNCTIONS)
          .map(([key, ms]) => {
            const [name, file, line] = key.split(' · ');
            return `| ${fixed(ms / clocked.length)} | ${fixed((100 * ms) / clocked.length / ours, 1)} % | ${name} | ${file} | ${line} |`;
          }),
      );
    }
  }
  return lines.join('\n').trimStart();
}

/** One case counted under `--coverage`: V8's call counts in the clock. */
export interface CoverageSample extends CaseRun {
  /** Null when the clock's two pauses were not both seen. */
  readonly tally: CoverageTally | null;
}

/**
 * Per mesh size and case, how many of the library's functions ran in the clock, how many of them
 * for the first time, and how many calls they took (medians with ranges); with `byFile`, ours per
 * module file (medians).
 */
export function coverageTable(samples: readonly CoverageSample[], meta: ProfileMeta, byFile: boolean): string {
  const lines = [
    `dist: ${meta.dist} (${meta.commit})${meta.compareDist ? `; compare dist: ${meta.compareDist}` : ''}; cold: one fresh page per case; median (min–max) over runs`,
    `cases started with the browser not idle: ${samples.filter((s) => !s.idle).length}/${samples.length}`,
    '',
    '| N | case | runs | lib functions run in clock | ours: rtcpool + rxjs | of them first run there | ours: rtcpool + rxjs | lib calls in clock | ours: rtcpool + rxjs | setup ms (not comparable) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const files: string[] = [];
  for (const n of unique(samples.map((s) => s.n))) {
    for (const label of unique(samples.map((s) => s.label))) {
      const of = samples.filter((s) => s.n === n && s.label === label);
      if (!of.length) continue;
      const fn = of[0]!.fn;
      const counted = of.filter((s) => s.tally).map((s) => s.tally!);
      const column = (key: keyof Counts): string[] => [
        spread(counted.map((t) => libJs(fn, t[key])), count),
        fn === 'setupPools' ? `${med(counted.map((t) => t[key].rtcpool), count)} + ${med(counted.map((t) => t[key].rxjs), count)}` : '',
      ];
      const cells = [
        `${n}`,
        label,
        `${of.length}${counted.length < of.length ? ` (${counted.length} counted)` : ''}`,
        ...column('functions'),
        ...column('firstRuns'),
        ...column('calls'),
        spread(of.map((s) => s.ms)),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
      if (!byFile || fn !== 'setupPools' || !counted.length) continue;
      const names = unique(counted.flatMap((t) => Object.keys(t.files)));
      const fileMedian = (file: string, key: keyof Counts): number => median(counted.map((t) => t.files[file]?.[key] ?? 0));
      files.push(
        '',
        `N = ${n}, ${label}: functions of ours run in the clock, first runs among them, and their calls, by module (medians of ${counted.length} runs)`,
        '',
        '| functions run | first runs | calls | module |',
        '|---|---|---|---|',
        ...names
          .sort((a, b) => fileMedian(b, 'functions') - fileMedian(a, 'functions') || fileMedian(b, 'calls') - fileMedian(a, 'calls'))
          .map((file) => `| ${count(fileMedian(file, 'functions'))} | ${count(fileMedian(file, 'firstRuns'))} | ${count(fileMedian(file, 'calls'))} | ${file} |`),
      );
    }
  }
  lines.push(
    '',
    "- lib: ours = rtcpool's dist + rxjs (+ tslib); 3.0.2 = its npm code (+ bench/babelRuntime.cjs); raw = the bench page's own signalling code.",
    "- in clock: from the first join() to the last channel open. V8's precise coverage (block counts) counts each function's calls; the",
    '  runner takes it at a `debugger` pause on each edge of the clock (bench/profile/p1Clock.ts): the take at the start holds what ran',
    "  since coverage began (after the page loaded and warm() ran: the pools' construction), the take at the stop what ran in the clock.",
    "- first run there: not called before the clock since coverage began. Such a function pays its compilation and its first, cold runs",
    '  in the clock. The counts hardly move between runs, where the setup time spreads by ±20 %.',
    "- setup ms: counting calls turns V8's optimizing compilers off; compare these times with nothing.",
    ...files,
  );
  return lines.join('\n');
}
