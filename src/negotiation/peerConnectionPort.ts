import { defer, fromEvent, map, type Observable } from 'rxjs';
import type { IceCandidate, SdpDescription } from '../signalling/messages';
import type { NegotiationPort } from './port';

/**
 * The {@link NegotiationPort} of a real `RTCPeerConnection`. Listeners are added when the epic
 * subscribes to the streams and removed when it unsubscribes.
 */
export function peerConnectionPort(pc: RTCPeerConnection): NegotiationPort {
  return {
    negotiationNeeded$: fromEvent(pc, 'negotiationneeded').pipe(map(() => undefined)),
    localCandidate$: fromEvent<RTCPeerConnectionIceEvent>(pc, 'icecandidate').pipe(
      // an empty candidate string is Chrome's per-generation end marker: null says the same
      map(({ candidate }): IceCandidate | null => (candidate && candidate.candidate !== '' ? candidate.toJSON() as IceCandidate : null)),
    ),
    iceConnectionState$: fromEvent(pc, 'iceconnectionstatechange').pipe(map(() => pc.iceConnectionState)),
    signalingState: () => pc.signalingState,
    hasRemoteDescription: () => pc.remoteDescription !== null,
    setLocalDescription: (): Observable<SdpDescription> =>
      defer(() => pc.setLocalDescription()).pipe(map(() => pc.localDescription!.toJSON() as SdpDescription)),
    setRemoteDescription: (description) => defer(() => pc.setRemoteDescription(description as RTCSessionDescriptionInit)),
    addIceCandidate: (candidate) => defer(() => pc.addIceCandidate(candidate ?? undefined)),
    restartIce: () => pc.restartIce(),
  };
}
