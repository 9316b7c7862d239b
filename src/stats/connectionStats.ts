/**
 * The type of an ICE candidate: `host` (an address of the device), `srflx` (the address a STUN
 * server saw, behind a NAT), `prflx` (an address the peer saw, learnt during the checks) or
 * `relay` (an address on a TURN server: the traffic goes through it).
 */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/**
 * One sample of `ManagedConnection.stats$`: a summary of the peer connection's `getStats()`.
 * Numbers the engine does not give are null, never guessed.
 *
 * @example
 * ```ts
 * conn.stats$.subscribe(({ rttMs, sendBitrate, localCandidateType }) =>
 *   console.log(`${rttMs} ms, ${sendBitrate} bit/s out, ${localCandidateType === 'relay' ? 'through TURN' : 'direct'}`),
 * );
 * ```
 */
export interface ConnectionStats {
  /**
   * When the sample was taken: the report's own `timestamp`, in milliseconds since the Unix
   * epoch in Chromium, Firefox and `rtcpool/node` (`new Date(timestamp)` reads it).
   */
  readonly timestamp: number;
  /**
   * The round-trip time of the selected candidate pair (its `currentRoundTripTime`), in
   * milliseconds; null before a pair is selected or before the engine measured one.
   */
  readonly rttMs: number | null;
  /**
   * Bytes sent on the connection so far: the transport's total (Chromium, `rtcpool/node`), else
   * the selected candidate pair's (Firefox). 0 before a pair is selected.
   */
  readonly bytesSent: number;
  /** Bytes received on the connection so far, counted as {@link ConnectionStats.bytesSent}. */
  readonly bytesReceived: number;
  /**
   * Bits per second sent since the previous sample of this subscription, from the byte counts
   * and the reports' timestamps. Null in the first sample (nothing to compare with) and when the
   * counters cannot be compared (the selected pair changed in Firefox, whose counts are per pair).
   */
  readonly sendBitrate: number | null;
  /** Bits per second received since the previous sample, as {@link ConnectionStats.sendBitrate}. */
  readonly receiveBitrate: number | null;
  /** The type of this side's candidate in the selected pair (`relay`: through TURN); null before a pair is selected. */
  readonly localCandidateType: CandidateType | null;
  /** The type of the peer's candidate in the selected pair (`relay`: the peer goes through TURN); null before a pair is selected. */
  readonly remoteCandidateType: CandidateType | null;
}
