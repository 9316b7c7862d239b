import type { NegotiationPort } from './port';
import type { PerfectNegotiationState } from './perfectNegotiationState';
import { sdpEngine, type SdpEngine } from './sdpEngine';

/** The kinds of media section the header extension lock negotiates ahead of the app's tracks. */
export type LockKind = 'audio' | 'video';

/**
 * How long a polite libwebrtc peer holds its offers after the first exchange with an impolite
 * Firefox peer, waiting for that peer's header extension lock (see the README, "Supported browsers").
 * The lock offer leaves the Firefox peer as soon as our first answer lands, so it normally comes
 * within one signalling round trip; a peer that never sends one (an older rtcpool, a 3.x client)
 * only delays our first renegotiation by this much.
 */
export const HEADER_EXTENSION_LOCK_WAIT_MS = 1_000;

/**
 * What this side of a pair does about the header extension lock once the first offer/answer
 * exchange is done, given the engines that wrote the local and the remote description, our role,
 * and the media kinds the session already has.
 *
 * Why: libwebrtc does not undo the RTP header extension ids of an offer it rolls back. When a
 * polite libwebrtc peer and an impolite Firefox peer both add their first track of a kind at the
 * same instant, the libwebrtc peer rolls back its offer, whose new media section keeps
 * libwebrtc's ids, and then cannot apply Firefox's offer, whose new section gives the same ids
 * to other extensions ("RTP extension ID reassignment not supported"): that connection never
 * negotiates media again. So the Firefox side negotiates a receive-only section of each missing
 * kind right after the first exchange (`lock`), and the libwebrtc side makes no offer until that
 * is answered (`await`). Both engines then keep the ids of those sections, and an app's first
 * `addTrack` of a kind on either side reuses its section (`addTrack` takes a transceiver of its
 * kind that never sent), so colliding first tracks no longer meet new sections with ids of
 * their own. Same-engine pairs, pairs where the libwebrtc peer is the impolite one (it never
 * rolls back), and sessions that have both kinds already do nothing: `none`.
 *
 * @param present - the media kinds the first exchange negotiated
 * @returns `lock` with the kinds to lock on the Firefox side, `await` on the libwebrtc side, or `none`
 */
export function headerExtensionLock(
  local: SdpEngine | null,
  remote: SdpEngine | null,
  polite: boolean,
  present: () => ReadonlySet<string>,
): { readonly role: 'lock'; readonly kinds: readonly LockKind[] } | { readonly role: 'await' | 'none' } {
  const role = !polite && local === 'firefox' && remote === 'libwebrtc' ? 'lock' : polite && local === 'libwebrtc' && remote === 'firefox' ? 'await' : 'none';
  if (role === 'none') return { role };
  // only a mixed pair reads its media sections: a same-engine pair's set-up costs a few regex tests
  const have = present();
  const kinds = (['audio', 'video'] as const).filter((kind) => !have.has(kind));
  if (kinds.length === 0) return { role: 'none' };
  return role === 'lock' ? { role, kinds } : { role };
}

/**
 * Decides the header extension lock of a connection once its first exchange is done (later calls
 * do nothing): adds the lock's transceivers on the Firefox side (their `negotiationneeded` makes
 * the lock offer), or sets `awaitingLock` on the libwebrtc side.
 *
 * @param remoteSdp - the peer's last description as it came over signalling: Chromium gives back
 *   the one it keeps with its own origin line, so only the received text tells Firefox apart
 * @returns true when this side now waits for the peer's lock offer
 */
export function settleHeaderExtensionLock(port: NegotiationPort, state: PerfectNegotiationState, remoteSdp: string | undefined): boolean {
  if (state.lockDecided || !port.session || port.signalingState() !== 'stable' || !port.hasRemoteDescription()) return false;
  state.lockDecided = true;
  const { local, kinds } = port.session();
  const lock = headerExtensionLock(local, sdpEngine(remoteSdp), state.polite, kinds);
  if (lock.role === 'lock') port.lockHeaderExtensions?.(lock.kinds);
  state.awaitingLock = lock.role === 'await';
  return state.awaitingLock;
}

/**
 * The media kinds of a session description's sections that are not rejected (port 0). Of the
 * local and the remote description, the answer is the one that can reject: a kind counts as
 * negotiated when both have it.
 */
export function mediaKinds(sdp: string | null | undefined): Set<string> {
  return new Set([...(sdp ?? '').matchAll(/^m=(\w+) (\d+)/gm)].filter((match) => match[2] !== '0').map((match) => match[1]!));
}
