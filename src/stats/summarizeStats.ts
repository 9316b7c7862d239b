import type { CandidateType, ConnectionStats } from './connectionStats';

/** One entry of an RTCStatsReport, read defensively: engines and polyfills differ in what they fill in. */
type Entry = { readonly id: string; readonly type: string; readonly timestamp?: number } & Readonly<Record<string, unknown>>;

/** What a sample keeps for the next one's bitrates. */
export interface StatsSample {
  /** The ids of the entries the byte counts came from: counts of different entries are not compared. */
  readonly source: string;
  readonly timestamp: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** A summary, and what the next one compares with. */
export interface Summary {
  readonly stats: ConnectionStats;
  readonly sample: StatsSample;
}

const CANDIDATE_TYPES: ReadonlySet<string> = /*#__PURE__*/ new Set<CandidateType>(['host', 'srflx', 'prflx', 'relay']);

const numberOr = <T>(value: unknown, otherwise: T): number | T => (typeof value === 'number' && Number.isFinite(value) ? value : otherwise);

/** One transport of the connection (one in all, when bundled): the entry carrying its byte counts, and its selected pair. */
interface Leg {
  readonly counter: Entry;
  readonly pair: Entry | undefined;
}

/**
 * The legs of the connection. The selected pair is the transport's `selectedCandidatePairId`
 * (Chromium, Firefox since about 115, `rtcpool/node`), else Firefox's own `selected` flag on the
 * pair. Without transport entries at all, a pair flagged `selected`, else the nominated,
 * succeeded pair that carried the most: Chromium flags several pairs nominated and succeeded
 * at once, so that test alone is only a last resort. Bytes come from the transport where it
 * counts them (Chromium, `rtcpool/node`: totals that survive a change of pair), else from the
 * pair (Firefox).
 */
function legsOf(entries: readonly Entry[], byId: ReadonlyMap<string, Entry>): Leg[] {
  const pairs = entries.filter((entry) => entry.type === 'candidate-pair');
  const transports = entries.filter((entry) => entry.type === 'transport');
  if (transports.length === 0) {
    const flagged = pairs.find((pair) => pair['selected'] === true);
    const nominated = pairs
      .filter((pair) => pair['nominated'] === true && pair['state'] === 'succeeded')
      .sort((a, b) => carried(b) - carried(a))[0];
    const pair = flagged ?? nominated;
    return pair ? [{ counter: pair, pair }] : [];
  }
  return transports.flatMap((transport) => {
    const byTransport = byId.get(String(transport['selectedCandidatePairId']));
    const pair =
      byTransport?.type === 'candidate-pair' ? byTransport : pairs.find((each) => each['transportId'] === transport.id && each['selected'] === true);
    const counter = typeof transport['bytesSent'] === 'number' ? transport : pair;
    return counter ? [{ counter, pair }] : [];
  });
}

const carried = (pair: Entry): number => numberOr(pair['bytesSent'], 0) + numberOr(pair['bytesReceived'], 0);

/** Bits per second between two counts, or null when they cannot be compared. */
function bitrate(bytes: number, before: number, milliseconds: number): number | null {
  return milliseconds > 0 && bytes >= before ? Math.round(((bytes - before) * 8 * 1000) / milliseconds) : null;
}

/**
 * Summarizes a `getStats()` report of a whole peer connection: the selected candidate pair's
 * round-trip time and candidate types, the connection's byte counts, and bitrates against
 * `previous` (null: the first sample, whose bitrates are null).
 *
 * @param report - what `RTCPeerConnection.getStats()` resolved with (Chromium, Firefox or `rtcpool/node` shape)
 * @param previous - the sample before, of the same subscription
 * @param now - the time to stamp a report with when it has no timestamp of its own (ms since the epoch)
 * @internal
 */
export function summarizeStats(report: RTCStatsReport, previous: StatsSample | null, now: number): Summary {
  const byId = new Map<string, Entry>();
  report.forEach((entry: Entry) => byId.set(entry.id, entry));
  const entries = [...byId.values()];
  const legs = legsOf(entries, byId);
  const pair = legs.find((leg) => leg.pair)?.pair;
  const candidateType = (key: 'localCandidateId' | 'remoteCandidateId'): CandidateType | null => {
    const type = pair && byId.get(String(pair[key]))?.['candidateType'];
    return typeof type === 'string' && CANDIDATE_TYPES.has(type) ? (type as CandidateType) : null;
  };
  const rtt = numberOr(pair?.['currentRoundTripTime'], null);
  const sample: StatsSample = {
    source: legs.map((leg) => leg.counter.id).join(' '),
    timestamp: numberOr(legs[0]?.counter.timestamp, numberOr(entries[0]?.timestamp, now)),
    bytesSent: legs.reduce((sum, leg) => sum + numberOr(leg.counter['bytesSent'], 0), 0),
    bytesReceived: legs.reduce((sum, leg) => sum + numberOr(leg.counter['bytesReceived'], 0), 0),
  };
  const comparable = previous !== null && previous.source === sample.source && sample.source !== '';
  const elapsed = comparable ? sample.timestamp - previous.timestamp : 0;
  return {
    sample,
    stats: {
      timestamp: sample.timestamp,
      // microsecond precision: 0.007 s is 7 ms, not 7.000000000000001
      rttMs: rtt === null ? null : Math.round(rtt * 1_000_000) / 1_000,
      bytesSent: sample.bytesSent,
      bytesReceived: sample.bytesReceived,
      sendBitrate: comparable ? bitrate(sample.bytesSent, previous.bytesSent, elapsed) : null,
      receiveBitrate: comparable ? bitrate(sample.bytesReceived, previous.bytesReceived, elapsed) : null,
      localCandidateType: candidateType('localCandidateId'),
      remoteCandidateType: candidateType('remoteCandidateId'),
    },
  };
}
