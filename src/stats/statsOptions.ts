/** How often `ManagedConnection.stats$` samples `getStats()`, in milliseconds, unless the pool or the call says otherwise. */
export const DEFAULT_STATS_INTERVAL_MS = 1_000;

/**
 * The shortest stats interval accepted, in milliseconds. Shorter intervals measure nothing more:
 * Chromium serves one cached report to every `getStats()` of the same 50 ms, and each sample
 * costs the browser a walk over all of the connection's stats.
 */
export const MIN_STATS_INTERVAL_MS = 100;

/**
 * Options of `ManagedConnection.stats()`.
 *
 * @example
 * ```ts
 * conn.stats({ intervalMs: 250 }).subscribe(({ rttMs }) => console.log(rttMs));
 * ```
 */
export interface StatsOptions {
  /**
   * Milliseconds between two samples, at least {@link MIN_STATS_INTERVAL_MS}. Default: the
   * pool's `statsIntervalMs`, else {@link DEFAULT_STATS_INTERVAL_MS}.
   */
  readonly intervalMs?: number;
}
