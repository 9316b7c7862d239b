/**
 * rtcpool: rooms of WebRTC peers. Join a named pool through a signalling server and get one
 * {@link ManagedConnection} per peer, negotiated with the perfect negotiation pattern.
 * @packageDocumentation
 */
export {
  DEFAULT_DATA_CHANNEL_TIMEOUT_MS,
  ManagedConnection,
  type DataChannelOptions,
  type ExposedEventType,
  type ManagedConnectionSettings,
} from './connection';
export { RtcPoolError, type RtcPoolErrorCode } from './errors';
export type { CandidateType, ConnectionStats } from './stats/connectionStats';
export { DEFAULT_STATS_INTERVAL_MS, MIN_STATS_INTERVAL_MS, type StatsOptions } from './stats/statsOptions';
// types only: a value export would bring the channel code, loaded on first use, into every app
export type { PeerChannel, PeerChannelSettings } from './channel/peerChannel';
export {
  BLOB_READ_BYTES,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_MESSAGE_BYTES,
  type ChannelProgress,
  type PeerChannelOptions,
  type SendOptions,
} from './channel/peerChannelOptions';
export type { PeerChannelData } from './channel/messageSource';
export { CHUNK_PROTOCOL, MAX_HELD_CHANNELS, READY_RESEND_MS } from './channel/chunkProtocol';
export { ORPHAN_TIMEOUT_MS } from './negotiation/negotiationEpic';
export { FIRST_OFFER_GRACE_MS, HEADER_EXTENSION_LOCK_WAIT_MS, ICE_DISCONNECTED_RESTART_MS, OFFERER_WAIT_MS } from './negotiation/negotiatePeer';
export { CONTROL_CHANNEL, type ConnectionEvent, type DescribeEvent } from './peerSet';
export { Pool } from './pool';
export { PoolChannel } from './room/poolChannel';
export {
  DEFAULT_MAX_QUEUED_BYTES,
  type PoolChannelOptions,
  type PoolMessage,
  type PoolSendOptions,
} from './room/poolChannelOptions';
export { MAX_REBUILDS_PER_PEER, REBUILD_BACKOFF_MS } from './setupFailure';
export {
  DEFAULT_JOIN_TIMEOUT_MS,
  RESUME_CONFIRM_MS,
  RESUME_TIMEOUT_MS,
  STANDING_OFFER_MAX_AGE_MS,
  type JoinResult,
  type PeerConnectionConstructor,
  type PoolOptions,
  type PoolState,
} from './poolOptions';
export { ManagedStream, media, type MediaKind, type MuteState } from './media';
export { PoolEvents, type PoolEventHandler, type PoolEventType } from './poolEvents';
export { signalling, SocketIoSignalling, WebSocketSignalling } from './signalling/channels';
export type * from './signalling/messages';
export type { ProtocolReason } from './signalling/parse';
export { Signalling, type TransceiverLike } from './signalling/signalling';
export { SocketIoTransceiver, type SocketIoLike } from './signalling/socketIoTransceiver';
export { Transceiver, type TransceiverEvent, type TransportState } from './signalling/transceiver';
export {
  RECONNECT_FACTOR,
  RECONNECT_INITIAL_DELAY_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_DELAY_MS,
  type ReconnectOptions,
} from './signalling/backoff';
export {
  MAX_QUEUED_FRAMES,
  WebSocketTransceiver,
  type SocketEventType,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTarget,
  type WebSocketTransceiverOptions,
} from './signalling/webSocketTransceiver';
export { ICE_RENEW_AT, ICE_RENEW_RETRY_MS } from './iceServerSupply';
