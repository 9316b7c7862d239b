/**
 * What a signalling server holds and has refused, from {@link SignallingServer.stats}: to watch
 * its limits at work.
 */
export interface ServerStats {
  /** Open WebSockets. */
  readonly sockets: number;
  /** Connections counted against the connection limits: open sockets and upgrades in progress. */
  readonly connections: number;
  /** Upgrades waiting for the `authenticate` hook. */
  readonly authenticating: number;
  /**
   * Sockets of refused upgrades (an HTTP 400, 401, 403, 404, 429 or 503 answer) not closed yet:
   * each is held until the client closes it, or `REFUSED_UPGRADE_LINGER_MS` (1 s) at most.
   */
  readonly lingering: number;
  /** Pools. */
  readonly pools: number;
  /** Members of pools, present or away. */
  readonly members: number;
  /** Members whose socket dropped, in their grace period. */
  readonly away: number;
  /** Bytes of frames kept for members: relayed while they were away, or not yet acknowledged. */
  readonly heldBytes: number;
  /** Bytes of frames written to sockets and not yet sent (what slow readers make the server buffer). */
  readonly queuedBytes: number;
  /**
   * Refusals since the server started, by stable reason: every `rtc:error` reason sent, and
   * `bad-url` (HTTP 400), `unauthenticated` (401), `authenticate-failed` (401, the hook threw),
   * `origin` (403), `connections-per-address` (429), `connections` (503), `authenticate-timeout`
   * (503), `slow-reader`, `join-deadline` (close 4002), `held-too-much` (close 4003) and
   * `invalid-utf8` (close 1007: a text frame that is not UTF-8).
   */
  readonly refusals: { readonly [reason: string]: number };
}

/** Counts refusals by reason, for {@link ServerStats.refusals}. */
export class RefusalCounts {
  readonly #counts = new Map<string, number>();

  /** Counts one refusal. */
  count(reason: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
  }

  /** The counts so far. */
  snapshot(): { readonly [reason: string]: number } {
    return Object.fromEntries(this.#counts);
  }
}
