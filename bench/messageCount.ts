import type { RelayTally } from '../spec/support/relayCounter.cjs';

/** Signalling messages per pair of a mesh, both directions together. */
export interface MessageCount {
  /** Offers relayed, and standing offers handed over in rtc:joined. */
  readonly offers: number;
  /** Of those, the standing offers. */
  readonly standingOffers: number;
  readonly answers: number;
  readonly candidates: number;
  /** End-of-candidates markers (null, and 3.x's empty candidate strings). */
  readonly ends: number;
}

/** The mean per unordered pair of what a counting server relayed (keys `a>b`). */
export function perPair(report: Record<string, RelayTally>): MessageCount {
  const pairs = new Set(Object.keys(report).map((key) => key.split('>').sort().join('|'))).size || 1;
  const sum = (pick: (tally: RelayTally) => number): number => Object.values(report).reduce((total, tally) => total + pick(tally), 0) / pairs;
  return {
    offers: sum((t) => t.offers),
    standingOffers: sum((t) => t.standingOffers),
    answers: sum((t) => t.answers),
    candidates: sum((t) => t.candidates),
    ends: sum((t) => t.endOfCandidates),
  };
}
