import type { Observable } from 'rxjs';
import { eventsOf } from './util/eventsOf';

/**
 * How many times a pool rebuilds the connection to one peer whose set-up died (and follows the
 * peer's own rebuilds) before it gives up on that peer with `connection-failed`.
 */
export const MAX_REBUILDS_PER_PEER = 3;

/**
 * The wait before the first rebuild of a connection whose set-up died; it doubles with each
 * rebuild of the same peer (100, 200, 400 ms), so a stack that keeps failing is not hammered.
 */
export const REBUILD_BACKOFF_MS = 100;

/** The wait before rebuild number `done + 1` of one peer's connection. */
export const rebuildDelayMs = (done: number): number => REBUILD_BACKOFF_MS * 2 ** done;

/**
 * Emits once, with the state, if the connection ends (`failed`, or `closed` by its stack) before
 * it was ever `connected`: its set-up died, and a new connection may succeed where it failed
 * (libdatachannel's "Got a remote candidate without ICE transport"). Once the connection has
 * connected it completes: a later failure is ICE's to recover (restartIce), not a rebuild's.
 */
export function setupFailure(pc: RTCPeerConnection): Observable<RTCPeerConnectionState> {
  return eventsOf<RTCPeerConnectionState>(pc, 'connectionstatechange', (subscriber) => () => {
    const state = pc.connectionState;
    if (state === 'failed' || state === 'closed') subscriber.next(state);
    if (state === 'failed' || state === 'closed' || state === 'connected') subscriber.complete();
  });
}
