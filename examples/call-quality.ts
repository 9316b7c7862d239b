// Is this call going through TURN, and how is it doing? One line per sample of a connection.
import { distinctUntilChanged, map, type Observable } from 'rxjs';
import type { ConnectionStats, ManagedConnection } from 'rtcpool';

/** True while either side's candidate in the selected pair is on a TURN server. */
export function throughTurn(connection: ManagedConnection): Observable<boolean> {
  return connection.stats$.pipe(
    map(({ localCandidateType, remoteCandidateType }) => localCandidateType === 'relay' || remoteCandidateType === 'relay'),
    distinctUntilChanged(),
  );
}

const kbps = (bitrate: number | null): string => (bitrate === null ? '…' : `${Math.round(bitrate / 1000)} kbit/s`);

/** "12 ms, ↑ 850 kbit/s ↓ 40 kbit/s, host → relay" every 2 s (stats$ would sample every second). */
export function callQuality(connection: ManagedConnection): Observable<string> {
  return connection.stats({ intervalMs: 2_000 }).pipe(
    map(({ rttMs, sendBitrate, receiveBitrate, localCandidateType, remoteCandidateType }: ConnectionStats) =>
      `${rttMs ?? '…'} ms, ↑ ${kbps(sendBitrate)} ↓ ${kbps(receiveBitrate)}, ${localCandidateType ?? '…'} → ${remoteCandidateType ?? '…'}`,
    ),
  );
}
