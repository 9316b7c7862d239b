import type { IceCandidate, SdpDescription } from '../signalling/messages';

/**
 * The perfect negotiation state of one peer, with the names of the W3C/MDN pattern. Exposed for
 * tests and diagnostics; only {@link negotiatePeer} changes it. A rebuilt connection starts
 * from a fresh one.
 */
export interface PerfectNegotiationState {
  readonly polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  isSettingRemoteAnswerPending: boolean;
  /** A polite peer's first offer, held so that the older peer offers first; dropped once we answer. */
  offerDeferred: boolean;
  /** Candidates that came before any remote description, and whether an offer was being ignored then. */
  readonly pendingCandidates: Array<{ readonly candidate: IceCandidate | null; readonly ignoring: boolean }>;
  /**
   * The peer's last offer this connection took in and has not answered yet, with the candidates
   * that came after it: if the connection dies now, the peer still waits for that answer, so the
   * rebuilt connection takes them in again and answers.
   */
  unansweredOffer: { readonly description: SdpDescription; readonly candidates: Array<IceCandidate | null> } | null;
  /** Whether the first exchange is done and the header extension lock was decided (see `headerExtensionLock`). */
  lockDecided: boolean;
  /** A polite libwebrtc peer's offers wait for an impolite Firefox peer's header extension lock. */
  awaitingLock: boolean;
}

/**
 * How long the ICE connection may stay `disconnected` before the peer restarts ICE. Chrome
 * says `disconnected` after a few seconds without consent responses, and `failed` only after
 * about 30: a restart here recovers from a changed network path long before that.
 */
export const ICE_DISCONNECTED_RESTART_MS = 3_000;

/**
 * How long a polite peer that has never negotiated holds its first offer for the older peer's, on
 * top of two round trips to the signalling server, when nothing says whether that peer will offer
 * (a 3.x client, a plain ssp v2 server, a rebuilt connection). Chromium rolls back a first offer
 * badly: after the implicit rollback the polite side gathers no candidates and its connection
 * never connects (seen in the demo's end-to-end spec, about one run in eight). When the older
 * peer's offer comes within this time, the held offer is dropped once it is answered: the answer
 * covers everything that offer would have carried, and the browser fires `negotiationneeded`
 * again on returning to stable if something is still left (W3C webrtc-pc, "set the session
 * description": the flag was true before and after the update), so a plain join costs one offer
 * and one answer. Otherwise the held offer goes out when the time is up (an older peer with
 * nothing to offer, such as a 3.x client whose app opened nothing).
 *
 * Why two round trips: the older peer's offer reaches the newcomer one server round trip of the
 * older peer's after the newcomer's `rtc:joined` (`rtc:peer` out to it, its offer back), plus the
 * time it takes to make the offer. The newcomer knows only its own round trip; twice that leaves
 * room for an older peer farther away than itself. A fixed time alone glared on every join past
 * about 125 ms each way.
 */
export const FIRST_OFFER_GRACE_MS = 250;

/**
 * How long a polite newcomer waits for the first offer of a peer the server listed as an offerer
 * before it offers itself. That offer is on its way (the server told the peer of the newcomer
 * when it listed it), so this is no tuning of the normal path, which waits for the offer however
 * long it takes: it is what ends the wait if the peer never offers (it could not make a connection).
 */
export const OFFERER_WAIT_MS = 10_000;

/** Creates the initial negotiation state of a peer. */
export function initialNegotiationState(polite: boolean): PerfectNegotiationState {
  return {
    polite,
    makingOffer: false,
    ignoreOffer: false,
    isSettingRemoteAnswerPending: false,
    offerDeferred: false,
    pendingCandidates: [],
    unansweredOffer: null,
    lockDecided: false,
    awaitingLock: false,
  };
}
