/**
 * rtcpool: rooms of WebRTC peers. Join a named pool through a signalling server and get one
 * {@link ManagedConnection} per peer, negotiated with the perfect negotiation pattern.
 * @packageDocumentation
 */
export { RtcPoolError, type RtcPoolErrorCode } from './errors';
