import { Observable } from 'rxjs';
import { RtcPoolError } from '../errors';
import { loadFeature } from '../util/loadFeature';
import type { ConnectionStats } from './connectionStats';
import type { StatsSource } from './pollStats';
import { MIN_STATS_INTERVAL_MS } from './statsOptions';

/** The code of `stats$`, fetched on the first subscription of any connection (see `loadFeature`). */
const loadStatsCode = /*#__PURE__*/ loadFeature('stats$', () => import('./pollStats'));

/**
 * `pollStats()` behind a dynamic `import()`: the summarizing and checking code is a chunk of its
 * own, loaded at the first subscription, so that an app that never asks for stats carries only
 * this function. A chunk that cannot be fetched errors the stream with `load-failed`; the next
 * subscription tries again.
 *
 * @internal
 */
export function lazyStats(source: StatsSource, intervalMs: number, ended: Observable<void>, peer: string): Observable<ConnectionStats> {
  return new Observable<ConnectionStats>((subscriber) => {
    let stop: (() => void) | undefined;
    loadStatsCode().then(
      ({ pollStats }) => {
        if (!subscriber.closed) stop = pollStats(subscriber, source, intervalMs, MIN_STATS_INTERVAL_MS, ended, RtcPoolError, peer);
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => stop?.();
  });
}
