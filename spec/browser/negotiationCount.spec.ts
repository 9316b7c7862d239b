import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { FIRST_OFFER_GRACE_MS, type Pool } from '../../src';
import { testNetwork, uniquePool, type RelayCount, type RelayCounts, type SpawnedServer } from './support/environment';
import { canvasTrack, connectionsOf, MESH_TIMEOUT_MS, peerConnectionMark, peerConnectionsSince, PoolTracker, settle } from './support/pools';

/** Long enough after the mesh is up for any late offer (a held one goes after the grace) to be relayed. */
const QUIET_MS = FIRST_OFFER_GRACE_MS * 2 + 300;

/** How pools arrive: each into a settled mesh, or all at once so every newcomer meets peers still negotiating. */
type JoinOrder = 'one after another' | 'all at once';

/** Every connection of every pool is connected, and every peer connection made since `mark` is stable. */
async function settled(pools: Pool[], mark: number): Promise<void> {
  await Promise.all(pools.map((pool) => connectionsOf(pool, pools.length - 1)));
  await Promise.all(
    pools.flatMap((pool) =>
      pool.connections.map((connection) =>
        firstValueFrom(connection.state$.pipe(filter((state) => state === 'connected'), take(1), timeout(MESH_TIMEOUT_MS))),
      ),
    ),
  );
  await settle(QUIET_MS);
  expect(peerConnectionsSince(mark).map((pc) => pc.signalingState)).to.not.include.members(['have-local-offer', 'have-remote-offer']);
}

const NONE: RelayCount = { offers: 0, answers: 0, rollbacks: 0, candidates: 0, endOfCandidates: 0, duplicateCandidates: 0 };

/** The relays of one unordered pair, as seen from the older peer: `out` older → newcomer, `back` newcomer → older. */
function pairOf(counts: RelayCounts, older: Pool, newcomer: Pool): { out: RelayCount; back: RelayCount } {
  return { out: { ...NONE, ...counts[`${older.id}>${newcomer.id}`] }, back: { ...NONE, ...counts[`${newcomer.id}>${older.id}`] } };
}

/** Everything wrong with what the server relayed for a mesh of `pools` (in join order); empty when the counts are as they must be. */
function wrongCounts(counts: RelayCounts, pools: Pool[], offersBack = 0): string[] {
  const wrong: string[] = [];
  const ids = new Set(pools.map((pool) => pool.id));
  for (const key of Object.keys(counts)) {
    const [from, to] = key.split('>');
    // earlier specs' pools used the same server; a relay between one of these and a stranger is wrong
    if (ids.has(from!) !== ids.has(to!)) wrong.push(`relay between a peer of this mesh and a stranger: ${key}`);
  }
  for (let o = 0; o < pools.length; o += 1) {
    for (let n = o + 1; n < pools.length; n += 1) {
      const { out, back } = pairOf(counts, pools[o]!, pools[n]!);
      const pair = `pool ${o} > pool ${n}`;
      // the older peer offers once; the newcomer answers, and offers only what the answer could not carry
      const expected = { out: { offers: 1, answers: offersBack }, back: { offers: offersBack, answers: 1 } };
      const seen = { out: { offers: out.offers, answers: out.answers }, back: { offers: back.offers, answers: back.answers } };
      if (JSON.stringify(seen) !== JSON.stringify(expected)) wrong.push(`${pair}: descriptions ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
      for (const [way, count] of [['out', out], ['back', back]] as const) {
        if (count.rollbacks > 0) wrong.push(`${pair} ${way}: ${count.rollbacks} rollback(s)`);
        if (count.candidates === 0) wrong.push(`${pair} ${way}: no candidate`);
        if (count.duplicateCandidates > 0) wrong.push(`${pair} ${way}: ${count.duplicateCandidates} candidate(s) relayed twice`);
        if (count.endOfCandidates !== 1) wrong.push(`${pair} ${way}: ${count.endOfCandidates} end-of-candidates for one ICE generation`);
      }
    }
  }
  return wrong;
}

/** Fails with every wrong count listed (chai would cut a long list short). */
function expectRight(wrong: string[]): void {
  expect(wrong, `\n${wrong.join('\n')}\n`).to.deep.equal([]);
}

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

  /** For pools that joined at once: their order of admission, read off the server's relays (who offered to whom). */
  function admissionOrder(pools: Pool[], counts: RelayCounts): Pool[] {
    const offeredTo = (pool: Pool): number => pools.filter((other) => (counts[`${other.id}>${pool.id}`]?.offers ?? 0) > 0).length;
    return [...pools].sort((a, b) => offeredTo(a) - offeredTo(b));
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
    expectRight(wrongCounts(await testNetwork.relays(server), [older, newcomer], 1));
    track.stop();
  });
});
