import { zoneGlobal } from './zoneGlobal';

/**
 * Runs `fn` in zone.js's root zone when zone.js is loaded, else just runs it. What `fn` sets up
 * (sockets' and peer connections' listeners, timers, promise callbacks) then runs in the root
 * zone too, so none of it schedules an Angular change detection; only the emissions delivered
 * back by {@link inSubscriberZone} do.
 *
 * @internal
 * @example
 * ```ts
 * const ws = runOutsideZone(() => new WebSocket(url)); // its events never wake Angular
 * ```
 */
export function runOutsideZone<T>(fn: () => T): T {
  const Zone = zoneGlobal();
  return Zone === undefined || Zone.current === Zone.root ? fn() : Zone.root.run(fn);
}
