import { Observable } from 'rxjs';
import type { IceCandidate, SdpDescription } from '../signalling/messages';
import { mediaKinds } from './headerExtensionLock';
import { sdpEngine } from './sdpEngine';
import type { NegotiationPort } from './port';
import { requestRebuild } from './rebuildHook';
import { sdpFingerprint } from './sdpFingerprint';
import { eventsOf } from '../util/eventsOf';

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
export function localCandidates(pc: RTCPeerConnection): Observable<IceCandidate | null> {
  return eventsOf<IceCandidate | null>(pc, 'icecandidate', (subscriber) => {
    let generation: string | null = null;
    let sent = new Set<string>();
    return (event) => {
      const { candidate } = event as RTCPeerConnectionIceEvent;
      if (candidate !== null && candidate.candidate === '') return;
      const ufrag = candidate?.usernameFragment ?? localUfrag(pc);
      if (ufrag !== generation) {
        generation = ufrag;
        sent = new Set();
      }
      const key = candidate === null ? '' : candidate.candidate;
      if (sent.has(key)) return;
      sent.add(key);
      subscriber.next(candidate ? candidateInit(candidate) : null);
    };
  });
}

/**
 * A candidate's fields, read one by one: `toJSON()` is not there on every WebRTC stack (Node's).
 */
function candidateInit({ candidate, sdpMid, sdpMLineIndex, usernameFragment }: RTCIceCandidate): IceCandidate {
  return { candidate, sdpMid, sdpMLineIndex, ...(usernameFragment ? { usernameFragment } : {}) } as IceCandidate;
}

/** The result of `call()`'s promise, called on subscribe: `defer` and `from` without their general cases. */
function settled<T>(call: () => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    call().then(
      (value) => {
        subscriber.next(value);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
  });
}

/**
 * The {@link NegotiationPort} of a real `RTCPeerConnection`. Listeners are added when the epic
 * subscribes to the streams and removed when it unsubscribes.
 */
export function peerConnectionPort(pc: RTCPeerConnection): NegotiationPort {
  return {
    negotiationNeeded$: eventsOf<void>(pc, 'negotiationneeded', (subscriber) => () => subscriber.next()),
    localCandidate$: localCandidates(pc),
    iceConnectionState$: eventsOf<RTCIceConnectionState>(pc, 'iceconnectionstatechange', (subscriber) => () => subscriber.next(pc.iceConnectionState)),
    signalingState: () => pc.signalingState,
    // some stacks (node-datachannel's polyfill) give an object with an empty sdp, not null
    hasRemoteDescription: () => Boolean(pc.remoteDescription?.sdp),
    setLocalDescription: (): Observable<SdpDescription> =>
      settled(() =>
        pc.setLocalDescription().then(() => {
          // each read of localDescription makes a new object with a copy of the SDP (Chromium)
          const { type, sdp } = pc.localDescription!;
          return { type, sdp } as SdpDescription;
        }),
      ),
    setRemoteDescription: (description) => settled(() => pc.setRemoteDescription(description as RTCSessionDescriptionInit)),
    addIceCandidate: (candidate) => settled(() => pc.addIceCandidate(candidate ?? undefined)),
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
