import { expect } from 'chai';
import { firstValueFrom, fromEvent, Subscription, take, timeout } from 'rxjs';
import type { ManagedConnection } from '../../../src/connection';
import type { RtcPoolError } from '../../../src/errors';
import { requestRebuild } from '../../../src/negotiation/rebuildHook';
import { PeerSet } from '../../../src/peerSet';
import { PoolEvents } from '../../../src/poolEvents';
import { MAX_REBUILDS_PER_PEER, REBUILD_BACKOFF_MS, rebuildDelayMs } from '../../../src/setupFailure';

const WAIT_MS = 5_000;

/** Just enough of an RTCPeerConnection for the set: its states, events and listeners, counted. */
class FakePeerConnection extends EventTarget {
  static made: FakePeerConnection[] = [];
  connectionState: RTCPeerConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  listeners = 0;
  constructor(readonly configuration?: RTCConfiguration) {
    super();
    FakePeerConnection.made.push(this);
  }
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners += 1;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners -= 1;
    super.removeEventListener(...args);
  }
  createDataChannel(): object {
    return {};
  }
  setConfiguration(): void {}
  close(): void {
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }
  go(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

describe('PeerSet (rebuilds)', () => {
  let peers: PeerSet;
  /** The states the pool's own watch (what `wire` returns) saw, per connection. */
  let watched: Map<FakePeerConnection, RTCPeerConnectionState[]>;
  let wired: FakePeerConnection[];
  let failures: RtcPoolError[];
  const wire = (pc: RTCPeerConnection): Subscription => {
    const fake = pc as unknown as FakePeerConnection;
    wired.push(fake);
    watched.set(fake, []);
    return fromEvent(fake, 'connectionstatechange').subscribe(() => watched.get(fake)!.push(fake.connectionState));
  };
  const rebuilt = (): Promise<ManagedConnection> => firstValueFrom(peers.arrivals$.pipe(take(1), timeout(WAIT_MS)));
  const current = (): FakePeerConnection => FakePeerConnection.made.at(-1)!;

  beforeEach(() => {
    FakePeerConnection.made = [];
    watched = new Map();
    wired = [];
    failures = [];
    peers = new PeerSet({ iceServers: [] }, new PoolEvents(), {}, FakePeerConnection as unknown as new () => RTCPeerConnection);
    peers.failures$.subscribe((error) => failures.push(error));
  });
  afterEach(() => peers.close());

  it(`replaces a connection that fails before it connected, after REBUILD_BACKOFF_MS (${REBUILD_BACKOFF_MS} ms), in its place`, async () => {
    peers.add('x', null, wire);
    peers.add('b', { name: 'Bob' }, wire);
    const [, first] = peers.connections;
    const dead = current();
    const lists: ManagedConnection[][] = [];
    const order: string[] = [];
    peers.connections$.subscribe((list) => lists.push(list));
    peers.departures$.subscribe((c) => order.push(`left ${c === first ? 'old' : 'other'}`));
    peers.arrivals$.subscribe(() => order.push('arrived'));
    dead.go('connecting');
    dead.go('failed');
    const next = await rebuilt();
    expect(next).to.not.equal(first);
    expect(next.id).to.equal('b');
    expect(next.description).to.deep.equal({ name: 'Bob' });
    expect(order).to.deep.equal(['left old', 'arrived']);
    expect(lists.map((list) => list.map((c) => c.id))).to.deep.equal([['x', 'b'], ['x', 'b']]);
    expect(lists[1]![1]).to.equal(next);
    expect(peers.get('b')).to.equal(next);
    // the pool's watch never saw the failure (no connection-failed), and the dead one is let go
    expect(watched.get(dead)).to.deep.equal(['connecting']);
    expect(dead.signalingState).to.equal('closed');
    expect(dead.listeners).to.equal(0);
    expect(wired.at(-1)).to.equal(current());
    expect(failures).to.deep.equal([]);
  });

  it('leaves a connection that failed after it connected to the pool (ICE restarts, connection-failed)', async () => {
    peers.add('b', null, wire);
    const pc = current();
    pc.go('connected');
    pc.go('failed');
    await new Promise((resolve) => setTimeout(resolve, rebuildDelayMs(0) * 3));
    expect(FakePeerConnection.made).to.have.length(1);
    expect(watched.get(pc)).to.deep.equal(['connected', 'failed']);
  });

  it(`gives up after MAX_REBUILDS_PER_PEER (${MAX_REBUILDS_PER_PEER}): a failed one is the pool's connection-failed, a closed one is reported here`, async () => {
    peers.add('b', null, wire);
    for (let i = 0; i < MAX_REBUILDS_PER_PEER; i += 1) {
      current().go('failed');
      await rebuilt();
    }
    const last = current();
    last.go('closed');
    await new Promise((resolve) => setTimeout(resolve, rebuildDelayMs(MAX_REBUILDS_PER_PEER) * 2));
    expect(FakePeerConnection.made).to.have.length(1 + MAX_REBUILDS_PER_PEER);
    expect(failures.map((e) => [e.code, e.peer])).to.deep.equal([['connection-failed', 'b']]);
    last.go('failed');
    expect(watched.get(last)).to.deep.equal(['closed', 'failed']);
  });

  it('follows the peer at once when negotiation asks (a new fingerprint), until the rebuilds are used up', () => {
    peers.add('b', null, wire);
    const arrivals: ManagedConnection[] = [];
    peers.arrivals$.subscribe((c) => arrivals.push(c));
    for (let i = 0; i < MAX_REBUILDS_PER_PEER; i += 1) {
      const before = current();
      expect(requestRebuild(before as unknown as RTCPeerConnection)).to.equal(true);
      expect(current()).to.not.equal(before);
      // the old one asks no more
      expect(requestRebuild(before as unknown as RTCPeerConnection)).to.equal(false);
    }
    expect(requestRebuild(current() as unknown as RTCPeerConnection)).to.equal(false);
    expect(arrivals).to.have.length(MAX_REBUILDS_PER_PEER);
  });

  for (const how of ['remove()', 'close()'] as const) {
    it(`${how} during the wait leaves nothing: no rebuild, no connection, no listener`, async () => {
      peers.add('b', null, wire);
      const dead = current();
      dead.go('failed');
      if (how === 'remove()') peers.remove('b', true);
      else peers.close();
      await new Promise((resolve) => setTimeout(resolve, rebuildDelayMs(0) * 3));
      expect(FakePeerConnection.made).to.deep.equal([dead]);
      expect(dead.signalingState).to.equal('closed');
      expect(dead.listeners).to.equal(0);
      expect(requestRebuild(dead as unknown as RTCPeerConnection)).to.equal(false);
    });
  }
});
