import type { Observable, Subscriber } from 'rxjs';
import type { RtcPoolError } from '../errors';
import type { ConnectionStats } from './connectionStats';
import { summarizeStats, type StatsSample } from './summarizeStats';

/** What stats are read from: a peer connection, or anything with its `getStats()`. */
export type StatsSource = Pick<RTCPeerConnection, 'getStats'>;

/**
 * Samples `source.getStats()` now and then every `intervalMs` (one that is not a number of at
 * least `minIntervalMs` errors `subscriber` with `bad-argument` at once), and hands each summary
 * to `subscriber`, until `ended` emits or completes (the connection closed): then it completes
 * it. Returns the teardown: no timer and no sample is left after it. Each subscription polls on
 * its own, with its own previous sample for the bitrates.
 *
 * One `getStats()` at a time: the next one is due `intervalMs` after the previous one started,
 * or at once when that one took longer (a busy CPU), never two at once and never a burst to catch
 * up. Bitrates divide by the reports' own timestamps, not by the interval, so a late timer makes
 * no wrong bitrate. A `getStats()` that rejects or throws while the connection is open errors
 * `subscriber` with `stats-failed` (the cause attached); a sample that arrives after the end or
 * after unsubscribe is dropped.
 *
 * Loaded with `import()` by `ManagedConnection.stats()`: an app that never asks for stats does
 * not carry this module. It imports nothing at run time but its own folder, so that a bundler
 * needs no chunk shared with the app's main one, whose overhead every app would pay: the caller
 * hands over the subscriber (rxjs), the `RtcPoolError` class (`errors.ts`) and the limit
 * (`statsOptions.ts`, which the entry exports).
 *
 * @internal
 */
export function pollStats(
  subscriber: Subscriber<ConnectionStats>,
  source: StatsSource,
  intervalMs: number,
  minIntervalMs: number,
  ended: Observable<void>,
  Failure: typeof RtcPoolError,
  peer: string,
): () => void {
  const failure = (code: 'bad-argument' | 'stats-failed', message: string, cause?: unknown): void =>
    subscriber.error(new Failure(code, `${message} (connection to ${peer})`, { cause, peer }));
  if (typeof intervalMs !== 'number' || !(intervalMs >= minIntervalMs) || intervalMs === Infinity) {
    failure('bad-argument', `a stats interval is a number of milliseconds, at least ${minIntervalMs} (got ${String(intervalMs)})`);
    return () => undefined;
  }
  let previous: StatsSample | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sample = (): void => {
    // performance.now(): a wall clock set back would otherwise stall the next sample
    const startedAt = performance.now();
    new Promise<RTCStatsReport>((resolve) => resolve(source.getStats()))
      .then((report) => {
        if (subscriber.closed) return;
        const summary = summarizeStats(report, previous, Date.now());
        previous = summary.sample;
        subscriber.next(summary.stats);
        if (!subscriber.closed) timer = setTimeout(sample, Math.max(0, startedAt + intervalMs - performance.now()));
      })
      .catch((cause: unknown) => subscriber.closed || failure('stats-failed', `getStats() failed: ${String(cause)}`, cause));
  };
  const end = ended.subscribe({ next: () => subscriber.complete(), complete: () => subscriber.complete() });
  if (!subscriber.closed) sample();
  return () => {
    clearTimeout(timer);
    end.unsubscribe();
  };
}
