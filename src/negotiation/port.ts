import type { Observable } from 'rxjs';
import type { IceCandidate, SdpDescription } from '../signalling/messages';
import type { LockKind } from './headerExtensionLock';
import type { SdpEngine } from './sdpEngine';

/**
 * The negotiation epic's only way to reach a peer connection. Methods return Observables that
 * do their work when subscribed, so the epic can be driven by fakes and marbles as well as by a
 * real `RTCPeerConnection` (see {@link peerConnectionPort}).
 */
export interface NegotiationPort {
  /** `negotiationneeded` events. */
  readonly negotiationNeeded$: Observable<void>;
  /** Local ICE candidates to send; null at the end of gathering. */
  readonly localCandidate$: Observable<IceCandidate | null>;
  /** ICE connection states as they change. */
  readonly iceConnectionState$: Observable<RTCIceConnectionState>;
  /** The current signalling state. */
  signalingState(): RTCSignalingState;
  /** Whether a remote description has been set. */
  hasRemoteDescription(): boolean;
  /** Parameterless `setLocalDescription()`: makes and sets an offer or answer; emits it. */
  setLocalDescription(): Observable<SdpDescription>;
  /** `setRemoteDescription()`; a remote offer in `have-local-offer` rolls back implicitly. */
  setRemoteDescription(description: SdpDescription): Observable<void>;
  /** `addIceCandidate()`; null marks the end of candidates. */
  addIceCandidate(candidate: IceCandidate | null): Observable<void>;
  /** `restartIce()`: the next negotiation gathers new candidates. */
  restartIce(): void;
  /**
   * The DTLS fingerprint(s) of the remote description set on the connection (see
   * `sdpFingerprint`), null when none is set. Without it, the epic never follows a peer that
   * rebuilt its connection.
   */
  remoteFingerprint?(): string | null;
  /** Whether the connection is closed: nothing can be done on it any more. */
  closed?(): boolean;
  /**
   * The peer rebuilt its connection: replace this one now. Returns true when a new connection
   * was made, and its port was announced with another `peer-added` before this returned; false
   * when there is nobody to ask or the peer's rebuilds are used up.
   */
  rebuild?(): boolean;
  /**
   * The engine that wrote the local description set on the connection, and the media kinds that
   * the local and the remote description both have, read only when called (see
   * `headerExtensionLock`). Without it, the epic never locks header extension ids.
   */
  session?(): { readonly local: SdpEngine | null; readonly kinds: () => ReadonlySet<string> };
  /**
   * Adds one receive-only transceiver of each kind, so that the next offer negotiates a media
   * section of each and fixes its header extension ids; an app's first `addTrack` of that kind
   * reuses it. Nothing is received on it, and it fires no `track` event.
   */
  lockHeaderExtensions?(kinds: readonly LockKind[]): void;
}
