/**
 * `rtcpool/server`: the reference ssp v2 signalling server for Node.js.
 * @packageDocumentation
 */
export { createSignallingServer, SignallingServer, type MembershipEvent, type SignallingServerEvents } from './signallingServer';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_MEMBERS_PER_POOL,
  DEFAULT_MAX_POOLS,
  DEFAULT_MESSAGE_BURST,
  DEFAULT_MESSAGES_PER_SECOND,
  type AuthenticateResult,
  type ServerLimits,
  type SignallingServerOptions,
} from './options';
export type { MemberInfo, PoolInfo, ServerReason } from './poolRegistry';
export type { ProtocolReason } from '../signalling/parse';
export { DEFAULT_RESUME_GRACE_MS, RESUME_BUFFER_LIMIT, VANISHED_PEER_REPORT_MS } from './options';
