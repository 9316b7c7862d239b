import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MAX_REBUILDS_PER_PEER } from '../../src/setupFailure';
import { Pool, signalling, type RtcPoolError } from '../../src';
import type { PeerConnectionConstructor } from '../../src/poolOptions';
import { LOCAL_ONLY, signallingUrl, uniquePool } from './support/environment';
import { MESH_TIMEOUT_MS } from './support/pools';
import { flaky, roundTrip } from '../support/flakyPeerConnection';

describe('PeerSet rebuilds', function () {
  this.timeout(30_000);
  const pools: Pool[] = [];
  const errors = new Map<Pool, RtcPoolError[]>();
  const pool = (PeerConnection?: PeerConnectionConstructor): Pool => {
    const made = new Pool(LOCAL_ONLY, new signalling.websocket(signallingUrl()), PeerConnection ? { RTCPeerConnection: PeerConnection } : {});
    const seen: RtcPoolError[] = [];
    made.errors$.subscribe((error) => seen.push(error));
    errors.set(made, seen);
    pools.push(made);
    return made;
  };
  afterEach(() => {
    for (const each of pools.splice(0)) each.close();
    errors.clear();
  });

  for (const killed of ['impolite', 'polite'] as const) {
    it(`rebuilds a connection that dies during set-up on the ${killed} side: both sides end connected and carry messages`, async () => {
      const stack = flaky(globalThis.RTCPeerConnection, 1);
      const first = killed === 'impolite' ? pool(stack.PeerConnection) : pool();
      const second = killed === 'impolite' ? pool() : pool(stack.PeerConnection);
      const arrivals = new Map<Pool, number>([
        [first, 0],
        [second, 0],
      ]);
      for (const each of [first, second]) each.peerJoined$.subscribe(() => arrivals.set(each, arrivals.get(each)! + 1));
      const name = uniquePool(`rebuild-${killed}`);
      await first.join(name);
      await second.join(name);
      expect(await roundTrip(first, second, 'there')).to.deep.equal(['there from a', 'there from b']);
      expect(await roundTrip(second, first, 'back')).to.deep.equal(['back from a', 'back from b']);
      expect(stack.made).to.have.length(2);
      const [killedSide, otherSide] = killed === 'impolite' ? [first, second] : [second, first];
      expect(arrivals.get(killedSide), 'connections made by the side whose connection died').to.equal(2);
      // the impolite side's offer went out before it died: the peer answered it and follows the new
      // fingerprint; the polite side died before answering: its new connection answers that offer
      expect(arrivals.get(otherSide), 'connections made by its peer').to.equal(killed === 'impolite' ? 2 : 1);
      expect(first.connections).to.have.length(1);
      expect(second.connections).to.have.length(1);
      expect(errors.get(first)!.map((e) => e.code)).to.deep.equal([]);
      expect(errors.get(second)!.map((e) => e.code)).to.deep.equal([]);
      first.close();
      second.close();
      expect(stack.made.map((pc) => pc.signalingState)).to.deep.equal(['closed', 'closed']);
    });
  }

  it(`gives up after MAX_REBUILDS_PER_PEER (${MAX_REBUILDS_PER_PEER}) rebuilds with connection-failed; close() leaves no connection`, async () => {
    const stack = flaky(globalThis.RTCPeerConnection, Infinity);
    const doomed = pool(stack.PeerConnection);
    const healthy = pool();
    const name = uniquePool('rebuild-give-up');
    await doomed.join(name);
    await healthy.join(name);
    const failure = await firstValueFrom(doomed.errors$.pipe(filter((e) => e.code === 'connection-failed'), take(1), timeout(MESH_TIMEOUT_MS)));
    expect(failure.peer).to.equal(healthy.id);
    expect(stack.made).to.have.length(1 + MAX_REBUILDS_PER_PEER);
    doomed.close();
    healthy.close();
    expect(stack.made.every((pc) => pc.signalingState === 'closed')).to.equal(true);
  });
});
