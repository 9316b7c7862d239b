import { defer, filter, fromEvent, map, type Observable } from 'rxjs';
import type { IceCandidate, SdpDescription } from '../signalling/messages';
import { mediaKinds } from './headerExtensionLock';
import { sdpEngine } from './sdpEngine';
import type { NegotiationPort } from './port';
import { requestRebuild } from './rebuildHook';
import { sdpFingerprint } from './sdpFingerprint';

/** The ICE ufrag of the connection's current local description: it names the ICE generation. */
function localUfrag(pc: RTCPeerConnection): string {
  return /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '';
}

/**
 * Local candidates to send, each once per ICE generation, and one end-of-candidates (null) per
 * generation. An empty candidate string is the legacy end marker (Chromium once per generation,
 * Firefox once per m-line), always followed by the null event of that generation's end of
 * gathering, so only null goes out. Firefox gathers again when a renegotiation adds an m-line to
 * the bundle, and reports the bundle's own candidates a second time with the new mid, then another
 * end of gathering: the same candidate line of the same generation is the same transport
 * address, so the repeat carries nothing and is not sent.
 */
function localCandidates(pc: RTCPeerConnection): Observable<IceCandidate | null> {
  return defer(() => {
    let generation: string | null = null;
    let sent = new Set<string>();
    return fromEvent<RTCPeerConnectionIceEvent>(pc, 'icecandidate').pipe(
      filter(({ candidate }) => {
        if (candidate !== null && candidate.candidate === '') return false;
        const ufrag = candidate?.usernameFragment ?? localUfrag(pc);
        if (ufrag !== generation) {
          generation = ufrag;
          sent = new Set();
        }
        const key = candidate === null ? '' : candidate.candidate;
        if (sent.has(key)) return false;
        sent.add(key);
        return true;
      }),
      map(({ candidate }): IceCandidate | null => (candidate ? candidateInit(candidate) : null)),
    );
  });
}

/**
 * A candidate's fields, read one by one: `toJSON()` is not there on every WebRTC stack (Node's).
 */
function candidateInit({ candidate, sdpMid, sdpMLineIndex, usernameFragment }: RTCIceCandidate): IceCandidate {
  return { candidate, sdpMid, sdpMLineIndex, ...(usernameFragment ? { usernameFragment } : {}) } as IceCandidate;
}

/**
 * The {@link NegotiationPort} of a real `RTCPeerConnection`. Listeners are added when the epic
 * subscribes to the streams and removed when it unsubscribes.
 */
export function peerConnectionPort(pc: RTCPeerConnection): NegotiationPort {
  return {
    negotiationNeeded$: fromEvent(pc, 'negotiationneeded').pipe(map(() => undefined)),
    localCandidate$: localCandidates(pc),
    iceConnectionState$: fromEvent(pc, 'iceconnectionstatechange').pipe(map(() => pc.iceConnectionState)),
    signalingState: () => pc.signalingState,
    // some stacks (node-datachannel's polyfill) give an object with an empty sdp, not null
    hasRemoteDescription: () => Boolean(pc.remoteDescription?.sdp),
    setLocalDescription: (): Observable<SdpDescription> =>
      defer(() => pc.setLocalDescription()).pipe(
        map(() => ({ type: pc.localDescription!.type, sdp: pc.localDescription!.sdp }) as SdpDescription),
      ),
    setRemoteDescription: (description) => defer(() => pc.setRemoteDescription(description as RTCSessionDescriptionInit)),
    addIceCandidate: (candidate) => defer(() => pc.addIceCandidate(candidate ?? undefined)),
    restartIce: () => pc.restartIce(),
    remoteFingerprint: () => sdpFingerprint(pc.remoteDescription?.sdp),
    closed: () => pc.signalingState === 'closed',
    rebuild: () => requestRebuild(pc),
    session: () => ({
      local: sdpEngine(pc.localDescription?.sdp),
      kinds: () => {
        const remote = mediaKinds(pc.remoteDescription?.sdp);
        return new Set([...mediaKinds(pc.localDescription?.sdp)].filter((kind) => remote.has(kind)));
      },
    }),
    lockHeaderExtensions: (kinds) => {
      for (const kind of kinds) pc.addTransceiver(kind, { direction: 'recvonly' });
    },
  };
}
