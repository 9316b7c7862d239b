import { expect } from 'chai';
import { firstValueFrom, take, timeout } from 'rxjs';
import { FIRST_OFFER_GRACE_MS, type Pool } from '../../src';
import { testNetwork, uniquePool, type SpawnedServer } from './support/environment';
import { canvasTrack, connectionsOf, MESH_TIMEOUT_MS, peerConnectionMark, PoolTracker } from './support/pools';
import { admissionOrder, expectRight, settled as settledAfter, wrongCounts } from './support/relayCounts';

/** Long enough after the mesh is up for any late offer (a held one goes after the grace) to be relayed. */
const QUIET_MS = FIRST_OFFER_GRACE_MS * 2 + 300;

/** Every pool connected to every other, and nothing relayed for QUIET_MS. */
const settled = (pools: Pool[], mark: number): Promise<void> => settledAfter(pools, mark, QUIET_MS);

/** How pools arrive: each into a settled mesh, or all at once so every newcomer meets peers still negotiating. */
type JoinOrder = 'one after another' | 'all at once';

describe('negotiation counted at the server', () => {
  const tracker = new PoolTracker();
  let server: SpawnedServer;
  before(async () => {
    server = await testNetwork.spawnCounting();
  });
  afterEach(() => tracker.closeAll());

  /** Pools that join `name` in `order`, in the order they joined. */
  async function join(name: string, size: number, order: JoinOrder): Promise<Pool[]> {
    const pools = Array.from({ length: size }, () => tracker.create(server.url));
    if (order === 'all at once') {
      await Promise.all(pools.map((pool) => pool.join(name)));
      // the server admitted them in some order: the older peer of a pair is the one that offered
      return pools;
    }
    for (const [index, pool] of pools.entries()) {
      await pool.join(name);
      await connectionsOf(pool, index);
      await settled(pools.slice(0, index + 1), 0);
    }
    return pools;
  }

  for (const order of ['one after another', 'all at once'] as const) {
    for (const size of [2, 4, 8]) {
      it(`a plain join of ${size} pools, ${order}: one offer and one answer per pair, each candidate once, one end-of-candidates each way`, async function () {
        this.timeout(120_000);
        const mark = peerConnectionMark();
        const pools = await join(uniquePool('count'), size, order);
        await settled(pools, mark);
        const counts = await testNetwork.relays(server);
        const ordered = order === 'all at once' ? admissionOrder(pools, counts) : pools;
        expectRight(wrongCounts(counts, ordered));
        expect(tracker.errors.map((error) => error.message)).to.deep.equal([]);
      });
    }
  }

  it('a newcomer that opens a channel the moment it meets the older peer: still one offer and one answer, and the channel opens', async function () {
    this.timeout(60_000);
    const mark = peerConnectionMark();
    const name = uniquePool('count-channel');
    const [older, newcomer] = [tracker.create(server.url), tracker.create(server.url)] as [Pool, Pool];
    await older.join(name);
    const opened = firstValueFrom(newcomer.peerJoined$).then((connection) => connection.dataChannel('early'));
    await newcomer.join(name);
    expect((await opened).readyState).to.equal('open');
    await settled([older, newcomer], mark);
    expectRight(wrongCounts(await testNetwork.relays(server), [older, newcomer]));
  });

  it('a newcomer that adds a track before the older peer\'s offer is answered: the browser asks again, one offer back carries it', async function () {
    this.timeout(60_000);
    const mark = peerConnectionMark();
    const name = uniquePool('count-track');
    const [older, newcomer] = [tracker.create(server.url), tracker.create(server.url)] as [Pool, Pool];
    await older.join(name);
    const track = canvasTrack();
    const added = firstValueFrom(newcomer.peerJoined$).then((connection) => connection.addTrack(track, new MediaStream([track])));
    const arrived = firstValueFrom(older.tracks$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
    await newcomer.join(name);
    await added;
    expect((await arrived).event.track.kind).to.equal('video');
    await settled([older, newcomer], mark);
    // the older peer's offer had no video: the newcomer's answer could not carry it, so exactly one offer goes back
    expectRight(wrongCounts(await testNetwork.relays(server), [older, newcomer], { offersBack: 1 }));
    track.stop();
  });
});
