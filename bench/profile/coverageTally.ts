// What one cold P1 case runs inside its clock, counted by V8's precise coverage (call counts):
// how many functions of whose code ran at least once, and how many calls they took. Unlike CPU
// samples these counts hardly move between runs, so they show a change in how much code a setup
// runs for the first time (a cold page's cost, see P1·w) where the setup's time is lost in noise.
import type { Bucket, ProfileBundle } from './profileBundle';

/** The parts of a CDP `Profiler.takePreciseCoverage` result read here. */
export type Coverage = ReadonlyArray<{
  readonly url: string;
  readonly functions: ReadonlyArray<{ readonly functionName: string; readonly ranges: ReadonlyArray<{ startOffset: number; endOffset: number; count: number }> }>;
}>;

/** Functions run and calls, per bucket, and for ours (rtcpool and rxjs) per module file. */
export interface CoverageTally {
  readonly functions: Record<Bucket, number>;
  readonly calls: Record<Bucket, number>;
  /** Ours only, by module file: [functions run, calls]. */
  readonly files: Record<string, readonly [number, number]>;
}

const emptyCounts = (): Record<Bucket, number> => ({ rtcpool: 0, rxjs: 0, v3: 0, page: 0, other: 0 });

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

/**
 * Tallies the coverage taken at the clock's stop, of a page whose bench bundle was served at a URL
 * ending in `bundleFile`; the coverage taken at the clock's start reset the counts. A function's
 * first range is its whole body, with the number of times it was called; the script's own
 * top level (offset 0) is not a call.
 */
export function coverageTally(coverage: Coverage, bundle: ProfileBundle, bundleFile: string): CoverageTally {
  const lineOf = lineFinder(bundle.script);
  const tally: CoverageTally = { functions: emptyCounts(), calls: emptyCounts(), files: {} };
  const files = tally.files as Record<string, [number, number]>;
  for (const script of coverage) {
    if (!script.url.endsWith(bundleFile)) continue;
    for (const { ranges } of script.functions) {
      const whole = ranges[0];
      if (!whole || whole.count === 0 || whole.startOffset === 0) continue;
      const { bucket, file } = bundle.lines[lineOf(whole.startOffset)]!;
      tally.functions[bucket] += 1;
      tally.calls[bucket] += whole.count;
      if (bucket === 'rtcpool' || bucket === 'rxjs') {
        const counts = (files[file] ??= [0, 0]);
        counts[0] += 1;
        counts[1] += whole.count;
      }
    }
  }
  return tally;
}
