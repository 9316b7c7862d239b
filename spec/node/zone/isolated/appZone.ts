/// <reference types="zone.js" />
// zone.js, the real package, for the zone specs: a zone that stands for Angular's and counts
// what would wake its change detection (every task it runs, every `run` that enters it).
import 'zone.js/node';

/** A zone forked from the root, as Angular's is, with counters. */
export interface AppZone {
  readonly zone: Zone;
  /** Tasks (timers, listeners, microtasks) scheduled in it. */
  scheduled: number;
  /** Times code entered it: each task it ran, each `zone.run`. */
  entered: number;
}

export function appZone(): AppZone {
  const counts: AppZone = {
    zone: Zone.root.fork({
      name: 'app',
      onScheduleTask: (parent, _current, target, task) => {
        counts.scheduled += 1;
        return parent.scheduleTask(target, task);
      },
      onInvokeTask: (parent, _current, target, task, applyThis, applyArgs) => {
        counts.entered += 1;
        return parent.invokeTask(target, task, applyThis, applyArgs);
      },
      onInvoke: (parent, _current, target, callback, applyThis, applyArgs, source) => {
        counts.entered += 1;
        return parent.invoke(target, callback, applyThis, applyArgs, source);
      },
    }),
    scheduled: 0,
    entered: 0,
  };
  return counts;
}

/** Resolves after `ms` on a root-zone timer (the spec's own waiting wakes no zone). */
export const sleep = (ms: number): Promise<void> => Zone.root.run(() => new Promise((done) => setTimeout(done, ms)));
