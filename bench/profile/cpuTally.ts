// Self time of one CDP CPU profile of a bench page case, charged to whose code ran (rtcpool, rxjs,
// 3.0.2, the page, V8's own work), over the whole profile and inside the case's clock: between the
// samples under __p1ClockStart and __p1ClockStop (bench/profile/p1Clock.ts). Sampled time is wall
// time: bench/profile/p1Profile.ts scales it by the main thread's on-CPU share.
import type { Bucket, ProfileBundle } from './profileBundle';

/** The parts of a CDP `Profiler.Profile` read here. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

/**
 * Sampled ms by whose code was the leaf frame: a bundle bucket, the clock marks, or V8's own
 * (garbage collector, "(program)", idle, and native functions with no script of their own).
 */
export type Tally = Record<Bucket | 'marker' | 'gc' | 'native' | 'program' | 'idle', number>;

/** The tally of one profile. */
export interface CpuTally {
  readonly whole: Tally;
  /** Inside the clock; null when the profile does not hold both marks in order. */
  readonly clock: Tally | null;
  /**
   * Ours (rtcpool and rxjs) inside the clock, by function: sampled ms, keyed
   * "name · module file · bundle line" (the line is 1-based in the saved bench-<k>.js).
   */
  readonly functions: Record<string, number>;
}

const emptyTally = (): Tally => ({ rtcpool: 0, rxjs: 0, v3: 0, page: 0, other: 0, marker: 0, gc: 0, native: 0, program: 0, idle: 0 });

/** Tallies a profile of a page whose bench bundle was served at a URL ending in `bundleFile`. */
export function cpuTally(profile: CpuProfile, bundle: ProfileBundle, bundleFile: string): CpuTally {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // which clock mark, if any, a node runs under (memoised up the tree)
  const markOf = new Map<number, 'start' | 'stop' | null>();
  const mark = (id: number): 'start' | 'stop' | null => {
    const known = markOf.get(id);
    if (known !== undefined) return known;
    const name = byId.get(id)!.callFrame.functionName;
    const up = parent.get(id);
    const found = name === '__p1ClockStart' ? 'start' : name === '__p1ClockStop' ? 'stop' : up === undefined ? null : mark(up);
    markOf.set(id, found);
    return found;
  };
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  // the clock starts after the last sample under the start mark and stops at the first under the stop mark
  let lastStart = -1;
  let firstStop = -1;
  profile.samples.forEach((id, i) => {
    const m = mark(id);
    if (m === 'start') lastStart = i;
    if (m === 'stop' && firstStop < 0) firstStop = i;
  });
  const whole = emptyTally();
  const clock = lastStart >= 0 && firstStop > lastStart ? emptyTally() : null;
  const functions: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    // a sample stands for the interval up to the next one
    const ms = ((times[i + 1] ?? times[i]!) - times[i]!) / 1000;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const inClock = clock !== null && i > lastStart && i < firstStop;
    let bucket: keyof Tally;
    if (mark(id)) bucket = 'marker';
    else if (url.endsWith(bundleFile)) {
      const module = bundle.lines[lineNumber] ?? { bucket: 'other' as const, file: '?' };
      bucket = module.bucket;
      if (inClock && (bucket === 'rtcpool' || bucket === 'rxjs')) {
        const key = `${functionName || '(anonymous)'} · ${module.file} · ${lineNumber + 1}`;
        functions[key] = (functions[key] ?? 0) + ms;
      }
    } else if (functionName === '(garbage collector)') bucket = 'gc';
    else if (functionName === '(idle)') bucket = 'idle';
    else if (functionName === '(program)') bucket = 'program';
    else if (!url) bucket = 'native';
    else bucket = 'other';
    whole[bucket] += ms;
    if (inClock) clock[bucket] += ms;
  });
  return { whole, clock, functions };
}
