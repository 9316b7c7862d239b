import type { IncomingMessage, Server } from 'node:http';
import type { PeerDescription } from '../signalling/messages';

/**
 * Largest accepted frame, in bytes. Chrome's SDP grows by about 2 KB per video section, so a
 * session of a hundred tracks needs about 220 KB; 64 KiB stalled a 30-track session.
 */
export const DEFAULT_MAX_FRAME_BYTES = 512 * 1024;
/** Frames past this many times the limit are not even buffered: `ws` closes the socket (1009). */
export const HARD_FRAME_CAP_FACTOR = 4;
/** A full mesh past this size wastes every member's uplink; a larger pool is refused. */
export const DEFAULT_MAX_MEMBERS_PER_POOL = 64;
/** Pools one server holds at once. */
export const DEFAULT_MAX_POOLS = 10_000;
/** Sustained messages per second one socket may send. */
export const DEFAULT_MESSAGES_PER_SECOND = 200;
/** Messages one socket may send in a burst (a newcomer's offers and candidates to a whole pool). */
export const DEFAULT_MESSAGE_BURST = 400;
/** Interval of the ping/pong heartbeat; a socket silent for two intervals is dropped. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_500;
/** How long a member whose socket dropped keeps its place, waiting for it to resume. */
export const DEFAULT_RESUME_GRACE_MS = 5_000;
/**
 * The longest a peer can vanish (its socket dead, no close frame) before the rest of its pool
 * gets `rtc:close` with the default settings: two heartbeats to notice, then the grace period.
 */
export const VANISHED_PEER_REPORT_MS = 2 * DEFAULT_HEARTBEAT_INTERVAL_MS + DEFAULT_RESUME_GRACE_MS;
/** Messages kept for a member during its grace period; past that, it is given up. */
export const RESUME_BUFFER_LIMIT = 512;

/** What an `authenticate` hook answers: reject (`false`), or accept with a trusted description. */
export type AuthenticateResult =
  | false
  | true
  | {
      /** The trusted description the member joins with. */
      readonly description?: PeerDescription;
    };

/** Limits of a signalling server; each one breached is answered with `rtc:error`. */
export interface ServerLimits {
  /** Largest frame accepted (`frame-too-large`). */
  readonly maxFrameBytes: number;
  /** Members one pool may hold (`pool-full`). */
  readonly maxMembersPerPool: number;
  /** Pools the server may hold (`too-many-pools`). */
  readonly maxPools: number;
  /** Sustained message rate of one socket (`rate-limited`). */
  readonly messagesPerSecond: number;
  /** Burst size of one socket's message rate. */
  readonly messageBurst: number;
}

/** Options of {@link createSignallingServer}. */
export interface SignallingServerOptions {
  /** Port to listen on when no `server` is given; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Host to listen on when no `server` is given. Default `127.0.0.1`. */
  readonly host?: string;
  /** An existing HTTP server to attach to, instead of listening on a port of our own. */
  readonly server?: Server;
  /** Path of the signalling endpoint. Default `/`. */
  readonly path?: string;
  /**
   * Decides whether a connecting socket is accepted (before the WebSocket upgrade) and gives it a
   * trusted description. `false` (or a throw) answers HTTP 401.
   */
  readonly authenticate?: (request: IncomingMessage) => AuthenticateResult | Promise<AuthenticateResult>;
  /** Origins allowed to connect; a browser request from any other origin gets HTTP 403. */
  readonly origins?: readonly string[];
  /** When true, only pools created with `createPool()` can be joined (`pool-not-found`). */
  readonly privatePools?: boolean;
  /** Limits; each defaults to the `DEFAULT_…` constant of the same name. */
  readonly limits?: Partial<ServerLimits>;
  /** Heartbeat interval in ms. Default {@link DEFAULT_HEARTBEAT_INTERVAL_MS}. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Session resume (our protocol extension), on by default; `false` turns it off (a plain ssp v2
   * server). `secret` keys the tokens: give the same one to a restarted server and its members
   * resume with their ids; without it, a random one is made (and lost on restart).
   */
  readonly resume?:
    | false
    | {
        /** Key of the resume tokens; keep it across restarts to resume across them. */
        readonly secret?: string | Buffer;
        /** How long a dropped member keeps its place. Default {@link DEFAULT_RESUME_GRACE_MS}. */
        readonly graceMs?: number;
      };
}

/** The limits of `options`, with defaults filled in. */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  return {
    maxFrameBytes: limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxMembersPerPool: limits.maxMembersPerPool ?? DEFAULT_MAX_MEMBERS_PER_POOL,
    maxPools: limits.maxPools ?? DEFAULT_MAX_POOLS,
    messagesPerSecond: limits.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND,
    messageBurst: limits.messageBurst ?? DEFAULT_MESSAGE_BURST,
  };
}
