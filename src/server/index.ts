/**
 * `rtcpool/server`: the reference ssp v2 signalling server for Node.js.
 * @packageDocumentation
 */
export { CLOSE_HELD_TOO_MUCH, CLOSE_INVALID_UTF8, CLOSE_JOIN_DEADLINE } from './clientSessions';
export { MAX_REFUSED_UPGRADES, REFUSED_UPGRADE_LINGER_MS } from './refusedUpgrades';
export {
  createSignallingServer,
  SignallingServer,
  type MembershipEvent,
  type SignallingServerEvents,
} from './signallingServer';
export type { SignallingCluster } from './cluster/signallingCluster';
export { HANDOVER_HOLD_LIMIT, HANDOVER_TIMEOUT_MS } from './cluster/clusterResumption';
export { ServerMetrics, METRICS_PATH, type MetricsSource } from './serverMetrics';
export {
  CLUSTER_KEPT_LIMIT,
  CLUSTER_QUEUE_LIMIT,
  CLUSTER_QUEUE_TIMEOUT_MS,
  DEFAULT_CLUSTER_PREFIX,
  INBOX_BATCH,
  INBOX_BLOCK_MS,
  NODE_REFRESH_MS,
  NODE_TTL_MS,
  REAP_INTERVAL_MS,
  RESTORE_SETTLE_MS,
  type ClusterOptions,
} from './cluster/clusterOptions';
export {
  DEFAULT_AUTHENTICATE_TIMEOUT_MS,
  DEFAULT_BYTE_BURST,
  DEFAULT_BYTES_PER_SECOND,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_JOIN_DEADLINE_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_HELD_BYTES,
  DEFAULT_MAX_MEMBERS_PER_POOL,
  DEFAULT_MAX_POOLS,
  DEFAULT_MAX_POOLS_PER_ADDRESS,
  DEFAULT_MAX_POOLS_PER_CONNECTION,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  DEFAULT_RESUME_TOKEN_TTL_MS,
  type AuthenticateResult,
  type ServerLimits,
  type SignallingServerOptions,
} from './options';
export type { MemberInfo, PoolInfo, ServerReason } from './poolRegistry';
export type { ServerStats } from './serverStats';
export { requestPathname } from './requestPathname';
export { DEFAULT_TURN_TTL_SECONDS, MIN_TURN_TTL_SECONDS, type TurnOptions } from './turnCredentials';
export type { ProtocolReason } from '../signalling/parse';
export { DEFAULT_RESUME_GRACE_MS, RESUME_BUFFER_LIMIT, VANISHED_PEER_REPORT_MS } from './options';
