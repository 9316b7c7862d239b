import type { Observable } from 'rxjs';
import { RtcPoolError } from './errors';
import type { PeerId } from './signalling/messages';
import { eventsOf } from './util/eventsOf';

/**
 * The STUN and TURN servers that failed a candidate of one peer connection
 * (`icecandidateerror`), as `ice-server` errors: the server refused the credentials (401), is
 * unreachable (701), is out of capacity (508)… `reason` is the numeric error code, `url` the
 * server's URL, and the message carries the browser's error text.
 *
 * Browsers fire `icecandidateerror` once per local address and per gathering; the pool reports
 * each cause once ({@link iceErrorCause}).
 */
export function iceServerErrors(pc: RTCPeerConnection, peer: PeerId): Observable<RtcPoolError> {
  return eventsOf(pc, 'icecandidateerror', (subscriber) => (event) => {
    const { errorCode, errorText, url } = event as RTCPeerConnectionIceErrorEvent;
    subscriber.next(new RtcPoolError('ice-server', `ICE server ${url} failed: ${errorCode} ${errorText}`.trim(), { reason: String(errorCode), peer, url }));
  });
}

/** The cause of an `ice-server` error: the same server failing the same way, whichever candidate or peer. */
export const iceErrorCause = (error: RtcPoolError): string => `${error.url ?? ''}|${error.reason ?? ''}`;

/** A `connection-failed` error each time the peer connection goes to `failed`. */
export function connectionFailures(pc: RTCPeerConnection, peer: PeerId): Observable<RtcPoolError> {
  return eventsOf(pc, 'connectionstatechange', (subscriber) => {
    // none before the first event, so the first state seen always counts (as distinctUntilChanged)
    let last: RTCPeerConnectionState | null = null;
    return () => {
      const state = pc.connectionState;
      // once per failure: browsers may repeat the event without a change
      if (state === last) return;
      last = state;
      if (state === 'failed') subscriber.next(new RtcPoolError('connection-failed', `the connection to ${peer} failed`, { peer }));
    };
  });
}
