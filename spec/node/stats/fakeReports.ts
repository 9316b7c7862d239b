// getStats() reports as Chromium 156, Firefox 153 ESR and rtcpool/node give them (trimmed from
// real ones: spec/browser/stats.spec.ts reads the real thing), for the summarizer's specs.

type Entry = { id: string; type: string; timestamp: number } & Record<string, unknown>;

/** An RTCStatsReport made of `entries` (a Map: what getStats() resolves with is map-like). */
export const reportOf = (...entries: Entry[]): RTCStatsReport => new Map(entries.map((entry) => [entry.id, entry])) as unknown as RTCStatsReport;

const candidate = (side: 'local' | 'remote', id: string, candidateType: string, timestamp: number): Entry => ({
  id,
  type: `${side}-candidate`,
  timestamp,
  candidateType,
  address: '127.0.0.1',
  port: 50_000,
  protocol: 'udp',
});

/**
 * Chromium: the transport counts the bytes and names the selected pair; several pairs are
 * nominated and succeeded at once, and the one the transport names is not the first of them.
 */
export function chromiumReport(at: number, bytesSent: number, bytesReceived: number, types: [string, string] = ['host', 'host']): RTCStatsReport {
  return reportOf(
    { id: 'P', type: 'peer-connection', timestamp: at, dataChannelsOpened: 2, dataChannelsClosed: 0 },
    { id: 'CPother', type: 'candidate-pair', timestamp: at, localCandidateId: 'Iother', remoteCandidateId: 'Rother', nominated: true, state: 'succeeded', bytesSent: 0, bytesReceived: 0, currentRoundTripTime: 0.009, transportId: 'T01' },
    { id: 'CPsel', type: 'candidate-pair', timestamp: at, localCandidateId: 'Ilocal', remoteCandidateId: 'Iremote', nominated: true, state: 'succeeded', bytesSent: bytesSent - 100, bytesReceived: bytesReceived - 100, currentRoundTripTime: 0.002, transportId: 'T01' },
    candidate('local', 'Iother', 'host', at),
    candidate('remote', 'Rother', 'host', at),
    candidate('local', 'Ilocal', types[0], at),
    candidate('remote', 'Iremote', types[1], at),
    { id: 'T01', type: 'transport', timestamp: at, bytesSent, bytesReceived, selectedCandidatePairId: 'CPsel', dtlsState: 'connected' },
  );
}

/**
 * Firefox: the transport names the selected pair (and the pair says `selected`), but only the
 * pair counts bytes. `transport`: `'names-pair'` as Firefox 153, `'anonymous'` as versions whose
 * transport has no `selectedCandidatePairId`, `'none'` as versions without transport entries.
 */
export function firefoxReport(
  at: number,
  bytesSent: number,
  bytesReceived: number,
  pairId = 'c6cd1fb',
  transport: 'names-pair' | 'anonymous' | 'none' = 'names-pair',
): RTCStatsReport {
  const entries: Entry[] = [
    { id: '{pc}', type: 'peer-connection', timestamp: at, dataChannelsOpened: 3, dataChannelsClosed: 0 },
    { id: 'cancelled', type: 'candidate-pair', timestamp: at, localCandidateId: 'l2', remoteCandidateId: 'r2', nominated: false, selected: false, state: 'cancelled', bytesSent: 0, bytesReceived: 0, currentRoundTripTime: 0, transportId: 'fedfda3e' },
    { id: pairId, type: 'candidate-pair', timestamp: at, localCandidateId: 'l1', remoteCandidateId: 'r1', nominated: true, selected: true, state: 'succeeded', bytesSent, bytesReceived, currentRoundTripTime: 0.007, transportId: 'fedfda3e' },
    candidate('local', 'l1', 'relay', at),
    candidate('remote', 'r1', 'srflx', at),
    candidate('local', 'l2', 'host', at),
    candidate('remote', 'r2', 'host', at),
  ];
  if (transport !== 'none') {
    entries.push({ id: 'fedfda3e', type: 'transport', timestamp: at, dtlsState: 'connected', ...(transport === 'names-pair' ? { selectedCandidatePairId: pairId } : {}) });
  }
  return reportOf(...entries);
}
