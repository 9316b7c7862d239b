import { chromiumReport } from './fakeReports';

/**
 * Just enough of an RTCPeerConnection for a ManagedConnection whose stats are read: `getStats()`
 * answers a Chromium-shaped report after `delayMs`, counts its calls and how many ran at once,
 * and rejects (or throws) with `failure` when set.
 */
export class FakeStatsPeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'connected';
  delayMs = 0;
  failure: { readonly error: unknown; readonly synchronous: boolean } | null = null;
  bytesSent = 0;
  /** `performance.now()` at each call. */
  readonly calls: number[] = [];
  inFlight = 0;
  maxInFlight = 0;

  getStats(): Promise<RTCStatsReport> {
    this.calls.push(performance.now());
    if (this.failure?.synchronous) throw this.failure.error;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        this.inFlight -= 1;
        if (this.failure) reject(this.failure.error);
        else resolve(chromiumReport(Date.now(), (this.bytesSent += 1_000), 0));
      }, this.delayMs),
    );
  }

  close(): void {
    this.connectionState = 'closed';
  }
}
