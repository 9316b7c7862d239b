import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import type { Pool } from '../../src';
import { uniquePool } from './support/environment';
import { peerConnectionMark, peerConnectionsSince, PoolTracker } from './support/pools';

/** Rounds: the failure this guards against showed about once in eight. */
const ROUNDS = 40;

describe('glare at connection time', () => {
  const tracker = new PoolTracker();
  afterEach(() => tracker.closeAll());

  it(`connects when both sides open a channel the moment they meet, ${ROUNDS} times`, async function () {
    this.timeout(240_000);
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const mark = peerConnectionMark();
      const name = uniquePool('first-glare');
      const a = tracker.create();
      const b = tracker.create();
      const opened = [a, b].map((pool: Pool) =>
        firstValueFrom(pool.peerJoined$).then((connection) => connection.dataChannel('chat', { timeout: 8_000 })),
      );
      await a.join(name);
      await b.join(name);
      const results = await Promise.allSettled(opened);
      if (results.some((r) => r.status === 'rejected')) {
        const pcs = peerConnectionsSince(mark).map((pc) => `${pc.signalingState}/${pc.iceConnectionState}/${pc.connectionState} local=${pc.localDescription?.type} remote=${pc.remoteDescription?.type}`);
        failures.push(`round ${round}: ${pcs.join(' | ')} errors=${tracker.errors.map((e) => e.message).join('; ')}`);
      }
      tracker.closeAll();
    }
    expect(failures).to.deep.equal([]);
  });
});
