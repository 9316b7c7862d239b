import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { FIRST_OFFER_GRACE_MS, type Pool } from '../../src';
import { testNetwork, uniquePool, type DelayedServer, type SpawnedServer } from './support/environment';
import { incomingChannel, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince, PoolTracker, settle } from './support/pools';
import { channelFrom, greetNewcomers, pool3, type Pool3 } from './support/pools3';
import { admissionOrder, expectRight, settled, wrongCounts } from './support/relayCounts';

/** How far the server is: every frame is held this long each way (a 300 ms round trip). */
const DELAY_MS = 150;
/**
 * Long enough after the mesh is up for any late offer to be relayed: a first offer held for a
 * peer not known to offer waits the grace plus two join round trips, then travels one delay.
 */
const QUIET_MS = FIRST_OFFER_GRACE_MS + 7 * DELAY_MS;

type JoinOrder = 'one after another' | 'all at once';

describe('negotiation at a distance: 150 ms each way to the server, counted at the server', () => {
  const tracker = new PoolTracker();
  const pools3: Pool3[] = [];
  let server: SpawnedServer;
  let ours: DelayedServer;
  let plain: DelayedServer;
  before(async () => {
    server = await testNetwork.spawnCounting();
    ours = await testNetwork.proxy(DELAY_MS, { server });
    plain = await testNetwork.proxy(DELAY_MS, { server, plain: true });
  });
  after(async () => {
    await testNetwork.closeProxy(ours);
    await testNetwork.closeProxy(plain);
  });
  afterEach(() => {
    tracker.closeAll();
    for (const pool of pools3.splice(0)) pool.close();
  });

  /** Pools that join `name` through `via` in `order`, in the order the server admitted them. */
  async function join(via: DelayedServer, name: string, size: number, order: JoinOrder): Promise<Pool[]> {
    const pools = Array.from({ length: size }, () => tracker.create(via.url));
    if (order === 'all at once') {
      await Promise.all(pools.map((pool) => pool.join(name)));
      return pools;
    }
    for (const [index, pool] of pools.entries()) {
      await pool.join(name);
      await settled(pools.slice(0, index + 1), 0, QUIET_MS);
    }
    return pools;
  }

  for (const [where, via] of [
    ['our server', () => ours],
    ['a plain ssp v2 server', () => plain],
  ] as const) {
    for (const order of ['all at once', 'one after another'] as const) {
      for (const size of [2, 4, 6]) {
        it(`${size} pools joining ${order} through ${where}: one offer and one answer per pair, no rollback, each candidate once`, async function () {
          this.timeout(120_000);
          const mark = peerConnectionMark();
          const pools = await join(via(), uniquePool('distance'), size, order);
          await settled(pools, mark, QUIET_MS);
          const counts = await testNetwork.relays(server);
          expectRight(wrongCounts(counts, order === 'all at once' ? admissionOrder(pools, counts) : pools));
        });
      }
    }
  }

  it('8 pools joining at once in one page whose main thread is kept busy: one offer and one answer per pair', async function () {
    this.timeout(120_000);
    // the page's one thread busy 25 ms of every 30: each older peer makes its offers late, as on a loaded device
    const busy = setInterval(() => {
      const until = performance.now() + 25;
      while (performance.now() < until);
    }, 30);
    try {
      const mark = peerConnectionMark();
      const name = uniquePool('busy');
      const pools = Array.from({ length: 8 }, () => tracker.create(server.url));
      await Promise.all(pools.map((pool) => pool.join(name)));
      await settled(pools, mark, QUIET_MS);
      const counts = await testNetwork.relays(server);
      expectRight(wrongCounts(counts, admissionOrder(pools, counts)));
    } finally {
      clearInterval(busy);
    }
  });

  describe('standing offers (PoolOptions.standingOffer)', () => {
    const STANDING = { standingOffer: true };

    /**
     * Pools keeping standing offers that join `name` through `via` in `order`, in the order the
     * server admitted them. Each makes its standing offer as it is made, before it joins; a pool
     * that joined a server that keeps none (`plain`) drops its own.
     */
    async function joinStanding(via: DelayedServer, name: string, size: number, order: JoinOrder): Promise<Pool[]> {
      const mark = peerConnectionMark();
      const pools = Array.from({ length: size }, () => tracker.create(via.url, STANDING));
      if (order === 'all at once') {
        await Promise.all(pools.map((pool) => pool.join(name)));
        return pools;
      }
      for (const [index, pool] of pools.entries()) {
        await pool.join(name);
        await settled(pools.slice(0, index + 1), mark, QUIET_MS, via === plain ? size - index - 1 : size);
      }
      return pools;
    }

    for (const size of [2, 4, 6]) {
      it(`${size} pools joining one after another through our server: each newcomer answers every member's standing offer, one offer and one answer per pair`, async function () {
        this.timeout(120_000);
        const mark = peerConnectionMark();
        const pools = await joinStanding(ours, uniquePool('standing'), size, 'one after another');
        await settled(pools, mark, QUIET_MS, size);
        const counts = await testNetwork.relays(server);
        expectRight(wrongCounts(counts, pools));
        const relayed = pools.flatMap((older, o) => pools.slice(o + 1).map((newcomer) => counts[`${older.id}>${newcomer.id}`]?.standingOffers ?? 0));
        expect(relayed, 'standing offers per pair').to.deep.equal(relayed.map(() => 1));
        expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
      });

      it(`${size} pools keeping standing offers joining all at once through our server: one offer and one answer per pair, standing or classic`, async function () {
        this.timeout(120_000);
        const mark = peerConnectionMark();
        const pools = await joinStanding(ours, uniquePool('standing-once'), size, 'all at once');
        await settled(pools, mark, QUIET_MS, size);
        const counts = await testNetwork.relays(server);
        expectRight(wrongCounts(counts, admissionOrder(pools, counts)));
        expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
      });
    }

    it('through a plain ssp v2 server: the classic exchange, and no standing connection is kept', async function () {
      this.timeout(120_000);
      const mark = peerConnectionMark();
      const pools = await joinStanding(plain, uniquePool('standing-plain'), 4, 'one after another');
      await settled(pools, mark, QUIET_MS, 0);
      const counts = await testNetwork.relays(server);
      expectRight(wrongCounts(counts, pools));
      const ids = new Set(pools.map((pool) => pool.id));
      const ofThisMesh = Object.entries(counts).filter(([pair]) => pair.split('>').every((id) => ids.has(id)));
      expect(ofThisMesh.reduce((sum, [, count]) => sum + count.standingOffers, 0)).to.equal(0);
    });

    it('a 3.0.2 newcomer meets a pool keeping a standing offer: the classic exchange, our offer the only one', async function () {
      this.timeout(60_000);
      const name = uniquePool('standing-3x');
      const older = tracker.create(ours.url, STANDING);
      await older.join(name);
      const greeted = firstValueFrom(older.peerJoined$.pipe(take(1), timeout(MESH_TIMEOUT_MS))).then((connection) => connection.dataChannel('greet'));
      const newcomer = await pool3(ours.url);
      pools3.push(newcomer);
      const arrived = channelFrom(newcomer, 'greet');
      newcomer.join(name);
      await Promise.all([greeted, arrived]);
      await settle(QUIET_MS);
      const counts = await testNetwork.relays(server);
      expectRight(wrongCounts(counts, [older, newcomer], { candidates: false }));
      expect(counts[`${older.id}>${newcomer.id}`]?.standingOffers).to.equal(0);
    });

    it('closes every standing connection with the pool', async function () {
      this.timeout(60_000);
      const mark = peerConnectionMark();
      await joinStanding(ours, uniquePool('standing-close'), 3, 'one after another');
      tracker.closeAll();
      expect(peerConnectionsSince(mark).filter((pc) => pc.signalingState !== 'closed')).to.deep.equal([]);
    });
  });

  describe('with rtcpool 3.0.2 peers, whose app greets each newcomer with a channel', () => {
    /** Our pool's one connection is connected, then nothing is relayed for QUIET_MS. */
    async function quiet(pool: Pool): Promise<void> {
      const [connection] = pool.connections;
      await firstValueFrom(connection!.state$.pipe(filter((state) => state === 'connected'), take(1), timeout(MESH_TIMEOUT_MS)));
      await settle(QUIET_MS);
    }

    /** Our pool greets newcomers as the 3.x app does, once it has joined. */
    const greeting = (pool: Pool): Promise<RTCDataChannel> =>
      firstValueFrom(pool.peerJoined$.pipe(take(1), timeout(MESH_TIMEOUT_MS))).then((connection) => connection.dataChannel('greet'));

    for (const [where, via, options] of [
      ['our server', () => ours, {}],
      ['our server, ours keeping a standing offer', () => ours, { standingOffer: true }],
      ['a plain ssp v2 server', () => plain, {}],
    ] as const) {
      it(`a 3.0.2 pool joins, then ours, through ${where}: the 3.0.2 peer's offer is the only one, and its channel opens`, async function () {
        this.timeout(60_000);
        const name = uniquePool('distance-3x-first');
        const older = await pool3(via().url);
        pools3.push(older);
        const greeted = greetNewcomers(older, 'greet', 1);
        const joined = new Promise((resolve) => older.events.addEventListener('join', resolve, { once: true }));
        older.join(name);
        await joined;
        const newcomer = tracker.create(via().url, options);
        const arrived = firstValueFrom(newcomer.peerJoined$.pipe(take(1))).then((connection) => incomingChannel(connection, 'greet'));
        await newcomer.join(name);
        await Promise.all([greeted, arrived]);
        await quiet(newcomer);
        expectRight(wrongCounts(await testNetwork.relays(server), [older, newcomer], { candidates: false }));
      });

      it(`our pool joins, then a 3.0.2 one, through ${where}: our offer is the only one, and our channel opens`, async function () {
        this.timeout(60_000);
        const name = uniquePool('distance-3x-second');
        const older = tracker.create(via().url, options);
        await older.join(name);
        const greeted = greeting(older);
        const newcomer = await pool3(via().url);
        pools3.push(newcomer);
        const arrived = channelFrom(newcomer, 'greet');
        newcomer.join(name);
        await Promise.all([greeted, arrived]);
        await quiet(older);
        expectRight(wrongCounts(await testNetwork.relays(server), [older, newcomer], { candidates: false }));
      });
    }
  });
});
