import type { Duplex } from 'node:stream';

/** What a signalling server relayed from one peer to another, as written on the wire. */
export interface RelayTally {
  /** Offers relayed in rtc:sdp, and standing offers handed over in rtc:joined. */
  offers: number;
  /** Of those, the standing offers. */
  standingOffers: number;
  answers: number;
  rollbacks: number;
  candidates: number;
  endOfCandidates: number;
  duplicateCandidates: number;
}

/** Counts a signalling server's rtc:sdp and rtc:candidate relays per directed pair (relayCounter.cjs). */
export class RelayCounter {
  watch(socket: Duplex): void;
  report(): Record<string, RelayTally>;
}
