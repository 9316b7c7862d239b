import type { Redis } from 'ioredis';

/**
 * How long a node's liveness key lives without a refresh. A node dead without a goodbye is taken
 * for dead this long after its last refresh; then the next reap (at most {@link REAP_INTERVAL_MS}
 * later) tells its members' pools: within 15 s in all. It is also how long Redis may be
 * unreachable before a node's members are taken for gone (they are put back when it returns).
 */
export const NODE_TTL_MS = 8_000;
/** How often a node refreshes its liveness key (and measures Redis's round-trip time). */
export const NODE_REFRESH_MS = 2_000;
/** How often each node looks for dead nodes to clean up after. */
export const REAP_INTERVAL_MS = 2_000;
/**
 * Operations a node keeps while Redis is unreachable, to run once it is back; a relay past this
 * is answered with `rtc:error` `cluster-unavailable` at once.
 */
export const CLUSTER_QUEUE_LIMIT = 10_000;
/** How long a relay may wait for Redis to come back before its sender gets `cluster-unavailable`. */
export const CLUSTER_QUEUE_TIMEOUT_MS = 10_000;
/**
 * After a node put itself back into a Redis that had lost it, how long it waits before running
 * what its members sent meanwhile: the other nodes reconnect within their retry interval (at
 * most 1 s) and put their members back too, so a relay does not find its target missing.
 */
export const RESTORE_SETTLE_MS = 1_500;
/**
 * Messages Redis keeps for one member that acknowledges (relay acknowledgement), until it does:
 * so that a member whose node dies resumes on another with nothing lost. Its node also keeps
 * them, up to `limits.maxHeldBytes`, and hands over what Redis trimmed past this cap when the
 * member resumes elsewhere; this caps what a member whose node died costs Redis until it resumes
 * or is taken for gone.
 */
export const CLUSTER_KEPT_LIMIT = 10_000;
/** Entries a node reads from its inbox stream at once. */
export const INBOX_BATCH = 512;
/** How long one blocking read of the inbox waits before it is issued again. */
export const INBOX_BLOCK_MS = 1_000;
/** Prefix of every key the cluster writes. */
export const DEFAULT_CLUSTER_PREFIX = 'rtcpool';

/**
 * The `cluster` option of a signalling server: the server is one node of a cluster whose shared
 * state and bus is one Redis (or Valkey) primary.
 */
export interface ClusterOptions {
  /**
   * `redis://host:port` (any URL ioredis takes), or an ioredis client: the server makes its own
   * connections from it (`duplicate()`) and leaves it open when it closes.
   */
  readonly redis: string | Redis;
  /** Prefix of the keys, so clusters can share a Redis. Default {@link DEFAULT_CLUSTER_PREFIX}. */
  readonly prefix?: string;
}
