import { expect } from 'chai';
import { take } from 'rxjs';
import { connectionControl, ManagedConnection } from '../../../../src/connection';
import { MIN_STATS_INTERVAL_MS } from '../../../../src/stats/statsOptions';
import { FakeStatsPeerConnection } from '../../stats/fakeStatsPeerConnection';
import { appZone } from './appZone';

describe('ManagedConnection.stats$ under zone.js', () => {
  it('loads its code, samples and waits in the root zone, and delivers each sample and the completion in the subscriber zone', async () => {
    const app = appZone();
    const conn = new ManagedConnection(new FakeStatsPeerConnection() as unknown as RTCPeerConnection, 'peer-1');
    const zones: string[] = [];
    try {
      await new Promise<void>((done, fail) => {
        app.zone.run(() =>
          conn
            .stats({ intervalMs: MIN_STATS_INTERVAL_MS })
            .pipe(take(3))
            .subscribe({
              next: () => zones.push(Zone.current.name),
              error: fail,
              complete: () => {
                zones.push(`complete in ${Zone.current.name}`);
                done();
              },
            }),
        );
      });
    } finally {
      connectionControl(conn).close();
    }
    expect(zones).to.deep.equal(['app', 'app', 'app', 'complete in app']);
    // the import, the getStats() promises and the timers between samples: none in the app's zone
    expect(app.scheduled).to.equal(0);
    // the subscribing run and the three samples (take() completes within the third)
    expect(app.entered).to.equal(1 + 3);
  });
});
