import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type RtcPoolError } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import type { PeerConnectionConstructor } from '../../../src/poolOptions';
import { MAX_REBUILDS_PER_PEER, REBUILD_BACKOFF_MS } from '../../../src/setupFailure';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { flaky, roundTrip } from '../../support/flakyPeerConnection';

const MESH_TIMEOUT_MS = 15_000;

describe('PeerSet rebuilds (rtcpool/node, real server)', function () {
  this.timeout(30_000);
  let server: SignallingServer;
  const pools: Pool[] = [];
  const errors = new Map<Pool, RtcPoolError[]>();
  const pool = (PeerConnection: PeerConnectionConstructor = RTCPeerConnection): Pool => {
    const made = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection: PeerConnection });
    const seen: RtcPoolError[] = [];
    made.errors$.subscribe((error) => seen.push(error));
    errors.set(made, seen);
    pools.push(made);
    return made;
  };
  beforeEach(async () => {
    server = await createSignallingServer();
  });
  afterEach(async () => {
    for (const each of pools.splice(0)) each.close();
    errors.clear();
    await server.close();
  });

  for (const killed of ['impolite', 'polite'] as const) {
    it(`rebuilds a connection that dies during set-up on the ${killed} side: both sides end connected and carry messages`, async () => {
      const flakyStack = flaky(RTCPeerConnection, 1);
      const first = killed === 'impolite' ? pool(flakyStack.PeerConnection) : pool();
      const second = killed === 'impolite' ? pool() : pool(flakyStack.PeerConnection);
      const name = `rebuild-${killed}`;
      const arrivals = new Map<Pool, number>([[first, 0], [second, 0]]);
      for (const each of [first, second]) each.peerJoined$.subscribe(() => arrivals.set(each, arrivals.get(each)! + 1));
      await first.join(name);
      await second.join(name);
      expect(await roundTrip(first, second, 'after')).to.deep.equal(['after from a', 'after from b']);
      expect(await roundTrip(second, first, 'back')).to.deep.equal(['back from a', 'back from b']);
      // the dead connection was replaced by exactly one new one, and nothing was reported
      expect(flakyStack.made).to.have.length(2);
      const [killedSide, otherSide] = killed === 'impolite' ? [first, second] : [second, first];
      expect(arrivals.get(killedSide), 'connections made by the side whose connection died').to.equal(2);
      // the impolite side's offer went out before it died: the peer answered it and follows the new
      // fingerprint; the polite side died before answering: its new connection answers that offer
      expect(arrivals.get(otherSide), 'connections made by its peer').to.equal(killed === 'impolite' ? 2 : 1);
      expect(flakyStack.made[0]!.signalingState).to.equal('closed');
      expect(first.connections).to.have.length(1);
      expect(second.connections).to.have.length(1);
      expect(errors.get(first)!.map((e) => e.code)).to.deep.equal([]);
      expect(errors.get(second)!.map((e) => e.code)).to.deep.equal([]);
      for (const each of [first, second]) each.close();
      expect(flakyStack.made.map((pc) => pc.signalingState)).to.deep.equal(['closed', 'closed']);
    });
  }

  it('close() while a rebuild waits leaves nothing: no new connection is made, every one made is closed', async () => {
    const flakyStack = flaky(RTCPeerConnection, Infinity);
    const doomed = pool(flakyStack.PeerConnection);
    const healthy = pool();
    await doomed.join('close-mid-rebuild');
    await healthy.join('close-mid-rebuild');
    const deadline = Date.now() + MESH_TIMEOUT_MS;
    while (flakyStack.made[0]?.connectionState !== 'failed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flakyStack.made).to.have.length(1);
    doomed.close();
    // past the first rebuild's wait: nothing may come of it
    await new Promise((resolve) => setTimeout(resolve, REBUILD_BACKOFF_MS * 4));
    expect(flakyStack.made).to.have.length(1);
    expect(flakyStack.made[0]!.signalingState).to.equal('closed');
    expect(doomed.connections).to.deep.equal([]);
  });

  it(`gives up after MAX_REBUILDS_PER_PEER (${MAX_REBUILDS_PER_PEER}) rebuilds with connection-failed, and close() leaves no connection`, async () => {
    const flakyStack = flaky(RTCPeerConnection, Infinity);
    const doomed = pool(flakyStack.PeerConnection);
    const healthy = pool();
    await doomed.join('give-up');
    await healthy.join('give-up');
    const failure = await firstValueFrom(doomed.errors$.pipe(filter((e) => e.code === 'connection-failed'), take(1), timeout(MESH_TIMEOUT_MS)));
    expect(failure.peer).to.equal(healthy.id);
    expect(flakyStack.made).to.have.length(1 + MAX_REBUILDS_PER_PEER);
    expect(errors.get(doomed)!.filter((e) => e.code === 'connection-failed')).to.have.length(1);
    doomed.close();
    healthy.close();
    expect(flakyStack.made.every((pc) => pc.signalingState === 'closed')).to.equal(true);
  });
});
