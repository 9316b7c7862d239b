import type { RtcPoolError } from '../errors';
import type { IceCandidate, PeerId, SdpDescription } from '../signalling/messages';
import type { NegotiationPort } from './port';

/** Who makes the first offer between this endpoint and a peer, as far as signalling tells. */
export interface FirstOfferHint {
  /**
   * The server listed the peer among the offerers of `rtc:joined` (our extension): it offers to
   * this newcomer unasked, so a polite newcomer waits for that offer instead of offering first.
   */
  readonly peerOffers: boolean;
  /** The round trip to the signalling server, measured at join (or resume), in ms. */
  readonly roundTripMs: number;
}

/** A peer to negotiate with appeared; `polite` follows the ssp v2 rule (the newcomer is polite). */
export interface PeerAdded {
  readonly type: 'peer-added';
  readonly peer: PeerId;
  readonly polite: boolean;
  readonly port: NegotiationPort;
  /** What signalling tells of the first offer; without it, no peer is known to offer and the round trip is taken as 0. */
  readonly firstOffer?: FirstOfferHint;
}
/** A peer left: its negotiation stops. */
export interface PeerRemoved {
  readonly type: 'peer-removed';
  readonly peer: PeerId;
}
/** A description arrived from a peer through signalling. */
export interface RemoteDescription {
  readonly type: 'remote-description';
  readonly peer: PeerId;
  readonly description: SdpDescription;
}
/** A candidate arrived from a peer through signalling (null: end of candidates). */
export interface RemoteCandidate {
  readonly type: 'remote-candidate';
  readonly peer: PeerId;
  readonly candidate: IceCandidate | null;
}
/** What the negotiation epic takes in. */
export type NegotiationInput = PeerAdded | PeerRemoved | RemoteDescription | RemoteCandidate;
/** Signalling input about one peer. */
export type RemoteInput = RemoteDescription | RemoteCandidate;

/** Send a description to a peer. */
export interface SendDescription {
  readonly type: 'send-description';
  readonly peer: PeerId;
  readonly description: SdpDescription;
}
/** Send a candidate to a peer. */
export interface SendCandidate {
  readonly type: 'send-candidate';
  readonly peer: PeerId;
  readonly candidate: IceCandidate | null;
}
/** A negotiation step failed; the peer's negotiation goes on with the next step. */
export interface NegotiationFailed {
  readonly type: 'negotiation-failed';
  readonly peer: PeerId;
  readonly error: RtcPoolError;
}
/** What the negotiation epic puts out. */
export type NegotiationOutput = SendDescription | SendCandidate | NegotiationFailed;
