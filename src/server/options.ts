import type { IncomingMessage, Server } from 'node:http';
import type { PeerDescription } from '../signalling/messages';
import type { ClusterOptions } from './cluster/clusterOptions';
import type { TurnOptions } from './turnCredentials';

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
/**
 * @deprecated what is kept for a member is limited in bytes now: {@link DEFAULT_MAX_HELD_BYTES}.
 * Kept for code that imported it; the server no longer reads it.
 */
export const RESUME_BUFFER_LIMIT = 512;
/** Bytes of frames one socket may have waiting to be sent before it counts as a slow reader and is closed (4001). */
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * Bytes of frames kept for one member: relayed while it is away, or not yet acknowledged (the
 * relay acknowledgement extension). A member that needs more is given up (4003).
 */
export const DEFAULT_MAX_HELD_BYTES = 4 * 1024 * 1024;
/** Sustained bytes per second one socket may send (`rate-limited`): a flood of large frames is work for everyone. */
export const DEFAULT_BYTES_PER_SECOND = 1024 * 1024;
/** Bytes one socket may send in a burst (a newcomer's offers to a whole pool). */
export const DEFAULT_BYTE_BURST = 4 * 1024 * 1024;
/** Existing pools created by joins from one address (`too-many-pools`): one client cannot take every pool. */
export const DEFAULT_MAX_POOLS_PER_ADDRESS = 100;
/**
 * Existing pools that one connection's joins created (`too-many-pools`). A socket is in one pool
 * at a time, so today this bounds only what a future `rtc:leave` would allow.
 */
export const DEFAULT_MAX_POOLS_PER_CONNECTION = 4;
/** Open connections (and upgrades in progress) from one address; more get HTTP 429. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
/** Open connections (and upgrades in progress) in total; more get HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 20_000;
/** A socket that has not joined a pool this long after it connected is closed (4002). */
export const DEFAULT_JOIN_DEADLINE_MS = 30_000;
/** An `authenticate` hook that has not settled this long after the request is answered HTTP 503. */
export const DEFAULT_AUTHENTICATE_TIMEOUT_MS = 10_000;
/** How long a resume token is good for (at most: each one resumes once, and dies with its membership). */
export const DEFAULT_RESUME_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * What an `authenticate` hook answers: refuse (`false`, and also `null` or `undefined` from
 * JavaScript code), accept (`true`), or accept with a trusted description and a principal.
 */
export type AuthenticateResult =
  | false
  | true
  | {
      /** The trusted description the member joins with. */
      readonly description?: PeerDescription;
      /**
       * Who is behind the socket, in the app's terms (a user id): a resume is refused unless the
       * socket it arrives on authenticates as the same principal. Absent, a member is anonymous
       * and its token alone proves it.
       */
      readonly principal?: string;
    };

/** Limits of a signalling server; each is enforced with a stable `rtc:error` reason, HTTP status or close code. */
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
  /** Sustained byte rate of one socket (`rate-limited`). */
  readonly bytesPerSecond: number;
  /** Burst size of one socket's byte rate. */
  readonly byteBurst: number;
  /** Bytes waiting to be sent to one socket before it is closed as a slow reader (close code 4001). */
  readonly maxQueuedBytes: number;
  /** Bytes kept for one member (away, or unacknowledged) before it is given up (close code 4003). */
  readonly maxHeldBytes: number;
  /** Existing pools created by joins from one address (`too-many-pools`). */
  readonly maxPoolsPerAddress: number;
  /** Existing pools created by one connection's joins (`too-many-pools`). */
  readonly maxPoolsPerConnection: number;
  /** Connections from one address (HTTP 429). */
  readonly maxConnectionsPerAddress: number;
  /** Connections in total (HTTP 503). */
  readonly maxConnections: number;
  /** Time a socket has to join a pool before it is closed (close code 4002). */
  readonly joinDeadlineMs: number;
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
   * trusted description and principal. `false`, `null`, `undefined`, a throw or a rejection
   * answer HTTP 401 (a throw or rejection is also logged); a hook still pending after
   * `authenticateTimeoutMs` answers HTTP 503. It runs again for the socket a resume arrives on.
   */
  readonly authenticate?: (
    request: IncomingMessage,
  ) => AuthenticateResult | null | undefined | Promise<AuthenticateResult | null | undefined>;
  /** How long `authenticate` may take. Default {@link DEFAULT_AUTHENTICATE_TIMEOUT_MS}. */
  readonly authenticateTimeoutMs?: number;
  /**
   * The server runs behind a reverse proxy that sets `X-Forwarded-For`: per-address limits then
   * count the address the proxy saw (the header's last entry), not the proxy's. Leave it off
   * otherwise, or any client can pick its own address. Default false.
   */
  readonly trustProxy?: boolean;
  /** Where the server reports what it refused on the app's behalf (a failing hook). Default `console.warn`. */
  readonly log?: (message: string, cause?: unknown) => void;
  /** Origins allowed to connect; a browser request from any other origin gets HTTP 403. */
  readonly origins?: readonly string[];
  /** When true, only pools created with `createPool()` can be joined (`pool-not-found`). */
  readonly privatePools?: boolean;
  /** Limits; each defaults to the `DEFAULT_…` constant of the same name. */
  readonly limits?: Partial<ServerLimits>;
  /** Heartbeat interval in ms. Default {@link DEFAULT_HEARTBEAT_INTERVAL_MS}. */
  readonly heartbeatIntervalMs?: number;
  /**
   * TURN servers to hand every member, each with short-lived credentials of its own (our
   * `iceServers` extension of `rtc:joined`; see {@link TurnOptions}). A TURN password never has
   * to be in the app's bundle.
   */
  readonly turn?: TurnOptions;
  /**
   * Makes this server one node of a cluster over Redis: members on any node see each other as on
   * one server, and every limit counts cluster-wide. A member may resume on any node: give
   * every node the same `resume.secret` (or pass `resume: false`; without either, the
   * constructor throws, since each node's random secret would refuse the others' tokens).
   */
  readonly cluster?: ClusterOptions;
  /**
   * Serve Prometheus metrics at `GET /metrics`. Default: on for the server's own HTTP server, off
   * on an app's `server`, which owns its routes (the app can serve `signalling.metrics.text()`
   * itself). `true` there takes `/metrics` from the `request` listeners the server has when the
   * signalling server is created (put back by `close()`).
   */
  readonly metrics?: boolean;
  /** Plain `RTCIceServer` entries (a STUN server, a TURN server with fixed credentials) to hand every member as they are. */
  readonly iceServers?: readonly RTCIceServer[];
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
        /** How long a token is good for. Default {@link DEFAULT_RESUME_TOKEN_TTL_MS}. */
        readonly tokenTtlMs?: number;
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
    bytesPerSecond: limits.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND,
    byteBurst: limits.byteBurst ?? DEFAULT_BYTE_BURST,
    maxQueuedBytes: limits.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
    maxHeldBytes: limits.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES,
    maxPoolsPerAddress: limits.maxPoolsPerAddress ?? DEFAULT_MAX_POOLS_PER_ADDRESS,
    maxPoolsPerConnection: limits.maxPoolsPerConnection ?? DEFAULT_MAX_POOLS_PER_CONNECTION,
    maxConnectionsPerAddress: limits.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxConnections: limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    joinDeadlineMs: limits.joinDeadlineMs ?? DEFAULT_JOIN_DEADLINE_MS,
  };
}
