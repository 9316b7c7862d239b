/**
 * `rtcpool/node`: a WebRTC peer connection for Node.js, to pass to a pool as
 * `PoolOptions.RTCPeerConnection`. It runs on the optional peer dependency `node-datachannel`:
 * importing this entry always works, constructing a connection without the package throws an
 * error whose `code` is `'unsupported'` and that names the package.
 *
 * @packageDocumentation
 */
export { RTCPeerConnection } from './rtcPeerConnection';
export { NodeDataChannel } from './nodeDataChannel';
export { SessionDescription } from './sessionDescription';
export { NODE_DATACHANNEL_PACKAGE } from './loadNodeDataChannel';
