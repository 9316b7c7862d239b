import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { zoneGlobal } from './zoneGlobal';

/**
 * A public stream's last step: it subscribes to the source in zone.js's root zone and delivers
 * `next`, `error` and `complete` in the zone the subscriber subscribed from (Angular's, for a
 * component), so an app's change detection runs once per public emission and never for the
 * library's own work. Without zone.js (read when the stream is made) it returns the source
 * itself: no wrapper, no cost.
 *
 * @internal
 * @example
 * ```ts
 * readonly state$ = replayState(this.poolState).pipe(inSubscriberZone());
 * ```
 */
export function inSubscriberZone<T>(): MonoTypeOperatorFunction<T> {
  return (source) => {
    if (zoneGlobal() === undefined) return source;
    return new Observable<T>((subscriber) => {
      const Zone = zoneGlobal();
      const zone = Zone?.current;
      if (Zone === undefined || zone === undefined || zone === Zone.root) return source.subscribe(subscriber);
      const deliver = (emit: () => void): void => (Zone.current === zone ? emit() : zone.run(emit));
      return Zone.root.run(() =>
        source.subscribe({
          next: (value) => deliver(() => subscriber.next(value)),
          error: (error: unknown) => deliver(() => subscriber.error(error)),
          complete: () => deliver(() => subscriber.complete()),
        }),
      );
    });
  };
}
