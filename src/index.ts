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
export { ORPHAN_TIMEOUT_MS } from './negotiation/negotiationEpic';
export {
  DEFAULT_JOIN_TIMEOUT_MS,
  Pool,
  type ConnectionEvent,
  type DescribeEvent,
  type JoinResult,
  type PoolOptions,
  type PoolState,
} from './pool';
export { ManagedStream, media, type MediaKind, type MuteState } from './media';
export { PoolEvents, type PoolEventType } from './poolEvents';
export { signalling, SocketIoSignalling, WebSocketSignalling } from './signalling/channels';
export type * from './signalling/messages';
export { Signalling, type TransceiverLike } from './signalling/signalling';
export { SocketIoTransceiver, type SocketIoLike } from './signalling/socketIoTransceiver';
export { Transceiver, type TransceiverEvent, type TransportState } from './signalling/transceiver';
export { WebSocketTransceiver } from './signalling/webSocketTransceiver';
