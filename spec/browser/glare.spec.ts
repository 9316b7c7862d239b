import { expect } from 'chai';
import { firstValueFrom, filter, take, timeout } from 'rxjs';
import type { Pool } from '../../src';
import { uniquePool } from './support/environment';
import { canvasTrack, incomingChannel, link, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince, PoolTracker } from './support/pools';

/** Rounds of the storm (the issue asks for 50). */
const ROUNDS = 50;

/** Resolves once `pc` is back in stable with no negotiation pending. */
async function stable(pc: RTCPeerConnection): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  while (pc.signalingState !== 'stable') {
    if (Date.now() > deadline) throw new Error(`stuck in ${pc.signalingState}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('glare storm', () => {
  const tracker = new PoolTracker();
  const tracks: MediaStreamTrack[] = [];
  afterEach(() => {
    tracker.closeAll();
    for (const track of tracks.splice(0)) track.stop();
  });

  it(`survives ${ROUNDS} rounds of both sides calling dataChannel() and addTrack() at the same instant`, async function () {
    this.timeout(120_000);
    const before = peerConnectionMark();
    const [a, b] = (await tracker.mesh(uniquePool('glare'), 2)) as [Pool, Pool];
    const [pcA, pcB] = peerConnectionsSince(before);
    // each side's states: the polite side's implicit rollback shows as have-local-offer, stable
    // (the rollback), have-remote-offer
    const histories = [pcA!, pcB!].map((pc) => {
      const history: string[] = [];
      pc.addEventListener('signalingstatechange', () => history.push(pc.signalingState));
      return history;
    });
    const ab = link(a, b);
    const ba = link(b, a);
    for (let round = 0; round < ROUNDS; round += 1) {
      const trackA = canvasTrack();
      const trackB = canvasTrack();
      tracks.push(trackA, trackB);
      const streamA = new MediaStream([trackA]);
      const streamB = new MediaStream([trackB]);
      // a receiver's track has an id of its own; the stream id is what travels (msid)
      const remoteTracks = [a, b].map((pool) =>
        firstValueFrom(
          pool.tracks$.pipe(
            filter(({ event }) => event.streams[0]?.id === (pool === a ? streamB : streamA).id),
            take(1),
            timeout(MESH_TIMEOUT_MS),
          ),
        ),
      );
      const incoming = [incomingChannel(ba, `a${round}`), incomingChannel(ab, `b${round}`)];
      // the same instant: both sides, in one task, before either offer can leave
      const opened = [ab.dataChannel(`a${round}`), ba.dataChannel(`b${round}`)];
      ab.addTrack(trackA, streamA);
      ba.addTrack(trackB, streamB);
      const channels = await Promise.all([...opened, ...incoming]);
      expect(channels.map((channel) => channel.readyState)).to.deep.equal(['open', 'open', 'open', 'open']);
      await Promise.all(remoteTracks).catch((error) => {
        throw new Error(`round ${round}: ${error} ${JSON.stringify(tracker.errors.map((e) => e.message))} sdp ${pcA!.localDescription?.sdp.length}`);
      });
      await Promise.all([stable(pcA!), stable(pcB!)]);
    }
    expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
    const rollbacks = histories
      .map((history) => history.join(' ').split('have-local-offer stable have-remote-offer').length - 1)
      .reduce((sum, count) => sum + count, 0);
    expect(rollbacks, 'offers that collided and were rolled back').to.be.greaterThan(ROUNDS / 2);
  });
});
