import { expect } from 'chai';
import { filter, firstValueFrom, take, toArray, type Observable } from 'rxjs';
import { Pool, RtcPoolError, signalling, type JoinResult, type ManagedConnection, type PoolState } from '../../src';
import { serverControl, signallingUrl, uniquePool } from './support/environment';
import { connectionsOf, exchange, link, peerConnectionMark, peerConnectionsSince, PoolTracker, settle } from './support/pools';

describe('Pool', () => {
  const tracker = new PoolTracker();
  afterEach(() => tracker.closeAll());

  for (const size of [2, 3, 6]) {
    it(`meshes ${size} pools: every pair exchanges messages over channels opened both ways`, async () => {
      const pools = await tracker.mesh(uniquePool(`mesh${size}`), size);
      for (const pool of pools) {
        expect(pool.nconnections).to.equal(size - 1);
        expect(pool.connections.map((c) => c.id)).to.have.members(pools.filter((p) => p !== pool).map((p) => p.id));
      }
      const exchanges: Promise<void>[] = [];
      for (const a of pools) {
        for (const b of pools) {
          if (a === b) continue;
          const label = `${a.id}->${b.id}`;
          exchanges.push(exchange(a, b, label).then((message) => void expect(message).to.equal(`${label} from ${a.id}`)));
        }
      }
      await Promise.all(exchanges);
      expect(tracker.errors).to.deep.equal([]);
    });
  }

  it('connects every pair before the app opens anything', async () => {
    const pools = await tracker.mesh(uniquePool('connected'), 3);
    const states = pools.flatMap((pool) => pool.connections.map((c) => firstValueFrom(c.state$.pipe(filter((s) => s === 'connected')))));
    expect(await Promise.all(states)).to.deep.equal(Array(6).fill('connected'));
  });

  it('loses only the peer whose RTCPeerConnection cannot be made, with an error event', async () => {
    const name = uniquePool('badconfig');
    await tracker.mesh(name, 1);
    const broken = new Pool({ iceServers: [{ urls: 'not a url' }] }, new signalling.websocket(signallingUrl()));
    tracker.pools.push(broken);
    const errors: string[] = [];
    broken.errors$.subscribe((error) => errors.push(error.code));
    expect((await broken.join(name)).peers).to.have.length(1);
    expect(broken.connections).to.deep.equal([]);
    expect(errors).to.deep.equal(['negotiation-failed']);
  });

  it('connections$ replays the current list and emits each change', async () => {
    const name = uniquePool();
    const [a] = await tracker.mesh(name, 1);
    const lists = firstValueFrom(a!.connections$.pipe(take(3), toArray()));
    const b = tracker.create();
    await b.join(name);
    b.close();
    expect((await lists).map((list) => list.map((c) => c.id))).to.deep.equal([[], [b.id], []]);
  });

  it('connects a late joiner to everyone already there', async () => {
    const name = uniquePool('late');
    const pools = await tracker.mesh(name, 3);
    const late = tracker.create();
    const joined = await late.join(name);
    expect(joined.peers).to.have.members(pools.map((p) => p.id));
    await connectionsOf(late, 3);
    await Promise.all(pools.map((pool) => connectionsOf(pool, 3)));
    await Promise.all(pools.flatMap((pool) => [exchange(late, pool, 'to-old'), exchange(pool, late, 'to-new')]));
  });

  it('removes a leaver from every pool, with a close event and peerLeft$', async () => {
    const pools = await tracker.mesh(uniquePool('leave'), 3);
    const [a, b, leaver] = pools as [Pool, Pool, Pool];
    const closeEvents = [a, b].map(
      (pool) => new Promise<ManagedConnection>((resolve) => pool.events.addEventListener('close', (e) => resolve((e as CustomEvent).detail), { once: true })),
    );
    const left = firstValueFrom(a.peerLeft$);
    const leaverId = leaver.id;
    const connectionToLeaver = link(a, leaver);
    leaver.close();
    const [closedOnA, closedOnB] = await Promise.all(closeEvents);
    expect(closedOnA!.id).to.equal(leaverId);
    expect(closedOnB!.id).to.equal(leaverId);
    expect(await left).to.equal(connectionToLeaver);
    expect(a.connections.map((c) => c.id)).to.deep.equal([b.id]);
    expect(b.getConnection(leaverId!)).to.equal(null);
    expect(await firstValueFrom(connectionToLeaver.state$.pipe(toArray()))).to.deep.equal(['closed']);
  });

  it('closes when the server stops the pool: stop event, stopped state, no open connection', async () => {
    const name = uniquePool('stop');
    const first = peerConnectionMark();
    const pools = await tracker.mesh(name, 3);
    const stops = pools.map((pool) => new Promise((resolve) => (pool.events.onstop = resolve)));
    const before = peerConnectionMark();
    expect(await serverControl.stop(name)).to.equal(true);
    await Promise.all(stops);
    for (const pool of pools) {
      expect(pool.state).to.equal('stopped');
      expect(pool.connections).to.deep.equal([]);
    }
    expect(peerConnectionMark()).to.equal(before);
    expect(peerConnectionsSince(first).map((pc) => pc.signalingState)).to.deep.equal(Array(6).fill('closed'));
  });

  it('delivers a description set by the server to description, the describe event, described$ and description$', async () => {
    const [a, b] = (await tracker.mesh(uniquePool('describe'), 2)) as [Pool, Pool];
    const connection = link(b, a);
    expect(connection.description).to.equal(null);
    const event = new Promise<CustomEvent>((resolve) => (b.events.ondescribe = resolve));
    const described = firstValueFrom(b.described$);
    const descriptions = firstValueFrom(connection.description$.pipe(take(2), toArray()));
    expect(await serverControl.describe(a.id!, { name: 'Ada' })).to.equal(true);
    expect((await event).detail).to.deep.equal({ connection, description: { name: 'Ada' } });
    expect(await described).to.deep.equal({ connection, description: { name: 'Ada' } });
    expect(await descriptions).to.deep.equal([null, { name: 'Ada' }]);
    expect(connection.description).to.deep.equal({ name: 'Ada' });
  });

  it('leaves no RTCPeerConnection of the pool open after close()', async () => {
    const first = peerConnectionMark();
    const pools = await tracker.mesh(uniquePool('leak'), 4);
    await exchange(pools[0]!, pools[1]!, 'before-close');
    const mine = peerConnectionsSince(first);
    expect(mine).to.have.length(12);
    for (const pool of pools) pool.close();
    expect(mine.map((pc) => pc.signalingState)).to.deep.equal(Array(12).fill('closed'));
    expect(mine.map((pc) => pc.connectionState)).to.deep.equal(Array(12).fill('closed'));
  });

  it('completes every stream and removes its handlers on close()', async () => {
    const [pool] = await tracker.mesh(uniquePool(), 1);
    const states: PoolState[] = [];
    let completed = 0;
    pool!.state$.subscribe({ next: (state) => states.push(state), complete: () => (completed += 1) });
    for (const stream of <Observable<unknown>[]>[pool!.connections$, pool!.errors$, pool!.peerJoined$, pool!.peerLeft$, pool!.described$, pool!.tracks$, pool!.dataChannels$]) {
      stream.subscribe({ complete: () => (completed += 1) });
    }
    pool!.events.onjoin = () => undefined;
    let closed: unknown = 'not yet';
    pool!.events.addEventListener('close', (event) => (closed = (event as CustomEvent).detail));
    pool!.close();
    expect(states).to.deep.equal(['joined', 'closed']);
    expect(completed).to.equal(8);
    expect(closed).to.equal(null);
    expect(pool!.events.onjoin).to.equal(null);
  });

  describe('join()', () => {
    it('resolves with the id, the pool and the peers; id and the join event agree', async () => {
      const name = uniquePool();
      const [first] = await tracker.mesh(name, 1);
      const pool = tracker.create();
      const event = new Promise<CustomEvent<JoinResult>>((resolve) => (pool.events.onjoin = resolve));
      expect(pool.id).to.equal(null);
      const result = await pool.join(name);
      expect(result).to.deep.equal({ id: pool.id, pool: name, peers: [first!.id] });
      expect((await event).detail).to.deep.equal(result);
    });

    it('throws already-joined when called twice, and bad-argument for a bad name', async () => {
      const pool = tracker.create();
      expect(() => pool.join('' as string)).to.throw(RtcPoolError).with.property('code', 'bad-argument');
      expect(() => pool.join(42 as unknown as string)).to.throw(RtcPoolError).with.property('code', 'bad-argument');
      const joining = pool.join(uniquePool());
      expect(() => pool.join('again')).to.throw(RtcPoolError).with.property('code', 'already-joined');
      await joining;
      expect(() => pool.join('again')).to.throw(RtcPoolError).with.property('code', 'already-joined');
    });

    it('rejects with server-error when the server refuses, and may be retried', async () => {
      const pool = tracker.create();
      const refused = await pool.join('x'.repeat(300)).catch((error: RtcPoolError) => error);
      expect(refused).to.be.instanceOf(RtcPoolError);
      expect(refused).to.include({ code: 'server-error', reason: 'bad-field' });
      expect(pool.state).to.equal('new');
      await pool.join(uniquePool());
      expect(pool.state).to.equal('joined');
    });

    it('rejects with closed when the pool closes before the server answers', async () => {
      const pool = tracker.create();
      const joining = pool.join(uniquePool());
      pool.close();
      expect(await joining.catch((error: RtcPoolError) => error.code)).to.equal('closed');
      expect(() => pool.join('later')).to.throw(RtcPoolError).with.property('code', 'closed');
    });

    it('rejects with timeout when no rtc:joined comes', async () => {
      // a transceiver that swallows everything: the join is never answered
      class Silent extends signalling.transceiver {
        send(): void {}
        close(): void {}
      }
      const pool = new Pool({ iceServers: [] }, new signalling.signalling(new Silent()), { joinTimeoutMs: 50 });
      tracker.pools.push(pool);
      const errors: string[] = [];
      pool.errors$.subscribe((error) => errors.push(error.code));
      expect(await pool.join('void').catch((error: RtcPoolError) => error.code)).to.equal('timeout');
      expect(errors).to.deep.equal(['timeout']);
      expect(pool.state).to.equal('new');
    });
  });

  it('works on a WebSocket it is handed, as 3.x code does', async () => {
    const name = uniquePool();
    const a = new Pool({ iceServers: [] }, new signalling.websocket(new WebSocket(signallingUrl())));
    const b = new Pool({ iceServers: [] }, new signalling.websocket(new WebSocket(signallingUrl())));
    tracker.pools.push(a, b);
    await a.join(name);
    await b.join(name);
    await connectionsOf(a, 1);
    expect(await exchange(a, b, 'legacy')).to.equal(`legacy from ${a.id}`);
    await settle();
  });
});
