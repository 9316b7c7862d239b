import type { PeerConnection } from 'node-datachannel';
import type { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';
import { missingBase, nodeDataChannel } from './loadNodeDataChannel';

/** What the bridge replaces of the polyfill: everything about negotiation, state and channels. */
type Replaced =
  | 'localDescription' | 'remoteDescription' | 'currentLocalDescription' | 'currentRemoteDescription'
  | 'pendingLocalDescription' | 'pendingRemoteDescription' | 'connectionState' | 'iceConnectionState'
  | 'signalingState' | 'addIceCandidate' | 'addTrack' | 'addTransceiver' | 'close' | 'createAnswer'
  | 'createDataChannel' | 'createOffer' | 'getConfiguration' | 'setConfiguration' | 'getReceivers'
  | 'getSenders' | 'getStats' | 'getTransceivers' | 'removeTrack' | 'restartIce' | 'setLocalDescription' | 'setRemoteDescription' | 'ondatachannel';

/** The constructor of what the bridge keeps of node-datachannel's polyfill (events, ICE gathering state, SCTP). */
type PolyfillBaseConstructor = new (configuration: RTCConfiguration & { peerConnection: PeerConnection }) => Omit<PolyfillPeerConnection, Replaced>;

/**
 * node-datachannel's polyfill `RTCPeerConnection`, which the bridge builds on, built on a native
 * connection of the bridge's own; without the package, a class whose constructor throws the
 * `unsupported` error that names it.
 */
export const PolyfillBase: PolyfillBaseConstructor =
  nodeDataChannel instanceof Error ? missingBase(nodeDataChannel) : nodeDataChannel.polyfill.RTCPeerConnection;
