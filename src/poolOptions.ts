import type { PeerId } from './signalling/messages';

/** How long `join()` waits for `rtc:joined` before it rejects with `timeout`. */
export const DEFAULT_JOIN_TIMEOUT_MS = 10_000;
/** How long the pool waits for `rtc:resumed` after signalling comes back, before it joins afresh. */
export const RESUME_TIMEOUT_MS = 5_000;
/**
 * How long the pool goes on trying a resume that a cluster could not run yet (`rtc:error`
 * `cluster-unavailable`: its Redis away for a moment), counted from the first such answer; past
 * it, it joins afresh. The client cannot read when its token expires (tokens are opaque), so this
 * stands for it; a resume refused for good (`resume-failed`: the token expired, was used, or its
 * membership ended) joins afresh at once.
 */
export const RESUME_RETRY_LIMIT_MS = 30_000;
/**
 * The longest wait between two tries of such a resume (the delays grow from the reconnect
 * backoff's first one, with its jitter). Short, since the member's place on the server lasts only
 * its grace period, and a refusal costs the server no round trip to Redis.
 */
export const RESUME_RETRY_MAX_DELAY_MS = 2_000;
/**
 * How long a peer that `rtc:resumed` did not list may take to resume as well (after a server
 * restart, members come back one by one) before the pool counts it as gone.
 */
export const RESUME_CONFIRM_MS = 10_000;

/** `rtc:error` reasons that answer a join: while joining, they reject `join()`. */
export const JOIN_REFUSALS: ReadonlySet<string> = /*#__PURE__*/ new Set(['already-joined', 'pool-full', 'pool-not-found', 'too-many-pools', 'bad-field', 'rate-limited']);
/**
 * `rtc:error` reasons that answer a resume (`unknown-type` from a plain ssp v2 server): while
 * resuming, they make the pool join afresh. Others (a queued candidate for a peer that left)
 * do not.
 */
export const RESUME_REFUSALS: ReadonlySet<string> = /*#__PURE__*/ new Set(['resume-failed', 'unknown-type', 'bad-field', 'already-joined', 'pool-full', 'pool-not-found', 'too-many-pools']);

/**
 * Where a pool is. `reconnecting`: signalling is away (the connections to peers keep working)
 * and the pool will resume or join again. `stopped` (by the server) and `closed` are final.
 */
export type PoolState = 'new' | 'joining' | 'joined' | 'reconnecting' | 'stopped' | 'closed';

/** Whether a pool in `state` is done for good (`stopped` or `closed`). */
export const isFinalState = (state: PoolState): boolean => state === 'stopped' || state === 'closed';

/** What `join()` resolves with, and the `detail` of the `join` event. */
export interface JoinResult {
  /** This endpoint's id in the pool. */
  readonly id: PeerId;
  /** The id of the pool actually joined (a server may map the name asked for). */
  readonly pool: string;
  /** The peers that were already there. */
  readonly peers: readonly PeerId[];
}

/** A class of peer connections: the browser's `RTCPeerConnection`, or the one of `rtcpool/node`. */
export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** Options of a {@link Pool} (ours; 3.x had none). */
export interface PoolOptions {
  /** Overrides {@link DEFAULT_JOIN_TIMEOUT_MS}. */
  readonly joinTimeoutMs?: number;
  /** Default `timeout` of every connection's `dataChannel()`. */
  readonly dataChannelTimeoutMs?: number;
  /**
   * Milliseconds between two samples of every connection's `stats$` (and of `stats()` without
   * `intervalMs`): at least `MIN_STATS_INTERVAL_MS` (100), else those streams error with
   * `bad-argument` when subscribed. Default `DEFAULT_STATS_INTERVAL_MS` (1 s).
   */
  readonly statsIntervalMs?: number;
  /** How long signalling about a peer not announced yet is held. Default `ORPHAN_TIMEOUT_MS` (10 s). */
  readonly orphanTimeoutMs?: number;
  /**
   * The `RTCPeerConnection` class to make connections with. Default: the global one. In Node,
   * the one of `rtcpool/node`; where there is none (plain Node, jsdom, server-side rendering),
   * constructing a pool fails at once with `unsupported`.
   */
  readonly RTCPeerConnection?: PeerConnectionConstructor;
  /**
   * Keep a standing offer at the server (our extension; the README's protocol section): one
   * connection with its offer made (from the moment the pool is made, so that it rides on
   * `rtc:join`), which the next newcomer answers at once, so it connects to this pool in four
   * one-way delays to the server instead of six; and answer the standing offers of others when
   * joining. It costs one idle `RTCPeerConnection`
   * all the time (and one TURN allocation under `iceTransportPolicy: 'relay'`). Default false.
   * A server without the extension ignores it.
   */
  readonly standingOffer?: boolean;
}

/**
 * How long a standing offer stands before it is made anew: the host's addresses can change, and
 * a TURN allocation made for it lives only as long as the browser refreshes it.
 */
export const STANDING_OFFER_MAX_AGE_MS = 300_000; // 5 min, a literal so that bundlers drop it when unused
