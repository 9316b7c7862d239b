/**
 * The part of zone.js's `Zone` rtcpool uses: without importing zone.js (nor Angular), so an app
 * without zone.js pays nothing, and one with it keeps its change detection quiet.
 * @internal
 */
export interface ZoneLike {
  /** The zone's name (`<root>`, `angular`). */
  readonly name: string;
  /** Runs `fn` in this zone: what it schedules (timers, listeners, promise callbacks) stays here. */
  run<T>(fn: () => T): T;
}

/**
 * The global `Zone` of zone.js.
 * @internal
 */
export interface ZoneStatic {
  /** The zone the code now runs in. */
  readonly current: ZoneLike;
  /** The zone every other one forks from: nothing there triggers Angular's change detection. */
  readonly root: ZoneLike;
}

/**
 * The global `Zone` when zone.js is loaded, else undefined. Looked up on every call, not at
 * import: an app may load zone.js after rtcpool's module was evaluated.
 * @internal
 */
export function zoneGlobal(): ZoneStatic | undefined {
  const zone = (globalThis as { Zone?: ZoneStatic }).Zone;
  // a `Zone` global of another library (not zone.js) has no root zone: treat as absent
  return zone !== undefined && typeof zone.root?.run === 'function' ? zone : undefined;
}
