// What one cold P1 case runs inside its clock, counted by V8's precise coverage (call counts):
// how many of each owner's functions ran there, how many of those ran there for the first time
// since the page warmed up, and how many calls they took. Unlike CPU samples these counts hardly
// move between runs, so they show a change in how much code a setup runs for the first time (a
// cold page's cost, see P1·w) where the setup's time is lost in noise.
import { BUCKETS, type Bucket, type ProfileBundle } from './profileBundle';

/** The parts of a CDP `Profiler.takePreciseCoverage` result read here. */
export type Coverage = ReadonlyArray<{
  readonly url: string;
  readonly functions: ReadonlyArray<{ readonly ranges: ReadonlyArray<{ readonly startOffset: number; readonly count: number }> }>;
}>;

/** What ran of one owner's code (or one module's). */
export interface Counts {
  /** Functions called at least once in the clock. */
  readonly functions: number;
  /** Of those, the ones not called between coverage's start (after warm-up) and the clock's start. */
  readonly firstRuns: number;
  /** Calls in the clock. */
  readonly calls: number;
}

/** What ran in the clock, per bucket and each kind of count, and for ours (rtcpool and rxjs) per module file. */
export type CoverageTally = { readonly [K in keyof Counts]: Readonly<Record<Bucket, number>> } & { readonly files: Readonly<Record<string, Counts>> };

/** The 0-based line of each character offset of a script, by binary search over its line starts. */
function lineFinder(script: string): (offset: number) => number {
  const starts = [0];
  for (let i = script.indexOf('\n'); i >= 0; i = script.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let [low, high] = [0, starts.length - 1];
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
}

/** Each function of the bench bundle that was called, by its start offset: how many times. */
function calledFunctions(coverage: Coverage, bundleFile: string): Map<number, number> {
  const called = new Map<number, number>();
  for (const script of coverage) {
    if (!script.url.endsWith(bundleFile)) continue;
    // a function's first range is its whole body, with its calls; the script's own top level
    // (offset 0) is not a call
    for (const { ranges } of script.functions) {
      const body = ranges[0];
      if (body && body.count > 0 && body.startOffset > 0) called.set(body.startOffset, body.count);
    }
  }
  return called;
}

/**
 * Tallies the two takes of a case's coverage, at the clock's start and at its stop, of a page
 * whose bench bundle was served at a URL ending in `bundleFile`. Each take resets the counts, so
 * the one at the start holds what ran since coverage began and the one at the stop what ran in
 * the clock.
 */
export function coverageTally(atStart: Coverage, atStop: Coverage, bundle: ProfileBundle, bundleFile: string): CoverageTally {
  const lineOf = lineFinder(bundle.script);
  const before = calledFunctions(atStart, bundleFile);
  // Object.fromEntries cannot know that its keys are every bucket
  const perBucket = (): Record<Bucket, number> => Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as Record<Bucket, number>;
  const tally = { functions: perBucket(), firstRuns: perBucket(), calls: perBucket() };
  const files = new Map<string, Counts>();
  for (const [offset, calls] of calledFunctions(atStop, bundleFile)) {
    const { bucket, file } = bundle.lines[lineOf(offset)]!;
    const first = before.has(offset) ? 0 : 1;
    tally.functions[bucket] += 1;
    tally.firstRuns[bucket] += first;
    tally.calls[bucket] += calls;
    if (bucket !== 'rtcpool' && bucket !== 'rxjs') continue;
    const counts = files.get(file) ?? { functions: 0, firstRuns: 0, calls: 0 };
    files.set(file, { functions: counts.functions + 1, firstRuns: counts.firstRuns + first, calls: counts.calls + calls });
  }
  return { ...tally, files: Object.fromEntries(files) };
}
