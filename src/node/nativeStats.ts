import type { PeerConnection, SelectedCandidateInfo } from 'node-datachannel';

/** The one transport of a connection: libdatachannel bundles everything on one ICE transport. */
const TRANSPORT_ID = 'T';

type Entry = { readonly id: string; readonly type: string; readonly timestamp: number } & Record<string, unknown>;

/**
 * What libdatachannel knows of a connection, as W3C stats entries with stable ids: a `transport`
 * with the byte counts and `selectedCandidatePairId`, and, once ICE selected a pair, that
 * `candidate-pair` and its two candidates. node-datachannel's polyfill reports the SCTP
 * round-trip time in milliseconds as `currentRoundTripTime` (W3C: seconds) and -1 when unknown,
 * with new random ids each call; this does neither. The counts are libdatachannel's: data
 * channel payload bytes (no SCTP, DTLS or UDP headers). A closed connection (null) has no entry
 * but the transport's, with zero counts.
 *
 * @internal
 */
export function nativeStats(native: PeerConnection | null): Map<string, Entry> {
  const timestamp = Date.now();
  const report = new Map<string, Entry>();
  const transport: Entry = {
    id: TRANSPORT_ID,
    type: 'transport',
    timestamp,
    bytesSent: native?.bytesSent() ?? 0,
    bytesReceived: native?.bytesReceived() ?? 0,
  };
  report.set(TRANSPORT_ID, transport);
  const selected = native?.getSelectedCandidatePair() ?? null;
  if (selected === null || typeof selected !== 'object') return report;
  const candidate = (side: 'local' | 'remote', info: SelectedCandidateInfo): string => {
    const id = `${side === 'local' ? 'L' : 'R'}${info.address}:${info.port}/${info.transportType}`;
    report.set(id, {
      id,
      type: `${side}-candidate`,
      timestamp,
      transportId: TRANSPORT_ID,
      candidateType: info.type,
      address: info.address,
      port: info.port,
      protocol: info.transportType.toLowerCase(),
      priority: info.priority,
    });
    return id;
  };
  const localCandidateId = candidate('local', selected.local);
  const remoteCandidateId = candidate('remote', selected.remote);
  const pairId = `${localCandidateId}_${remoteCandidateId}`;
  // SCTP's smoothed round-trip time, in whole milliseconds, once the association measured one
  const rtt = native?.rtt() ?? -1;
  report.set(pairId, {
    id: pairId,
    type: 'candidate-pair',
    timestamp,
    transportId: TRANSPORT_ID,
    localCandidateId,
    remoteCandidateId,
    state: 'succeeded',
    nominated: true,
    bytesSent: transport['bytesSent'],
    bytesReceived: transport['bytesReceived'],
    ...(rtt >= 0 ? { currentRoundTripTime: rtt / 1000 } : {}),
  });
  transport['selectedCandidatePairId'] = pairId;
  return report;
}
