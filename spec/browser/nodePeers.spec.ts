import { expect } from 'chai';
import { filter, firstValueFrom, map, mergeMap, take, timeout, toArray } from 'rxjs';
import type { Pool } from '../../src';
import { thisEngine, uniquePool } from './support/environment';
import { nodePeers, type NodePeer } from './support/nodePeers';
import { connectionsOf, MESH_TIMEOUT_MS, nextMessage, PoolTracker } from './support/pools';

/** The first message on each of the first `count` channels labelled `label` that peers open to `pool`, sorted. */
function messagesOn(pool: Pool, label: string, count: number): Promise<string[]> {
  return firstValueFrom(
    pool.dataChannels$.pipe(
      filter(({ event }) => event.channel.label === label),
      take(count),
      mergeMap(({ event }) => nextMessage(event.channel)),
      map(String),
      toArray(),
      map((messages) => messages.sort()),
      timeout(MESH_TIMEOUT_MS * 3),
    ),
  );
}

describe('Pool with Node.js peers (rtcpool/node in a process of its own, in one pool with this browser; runs in Chromium and in Firefox)', () => {
  const tracker = new PoolTracker();
  const running: NodePeer[] = [];
  afterEach(async () => {
    tracker.closeAll();
    await Promise.all(running.splice(0).map((peer) => nodePeers.stop(peer)));
  });

  /** Stops the Node peer and checks that it ended by itself, cleanly, having seen no error. */
  async function stopCleanly(peer: NodePeer): Promise<void> {
    running.splice(running.indexOf(peer), 1);
    const exit = await nodePeers.stop(peer);
    expect(exit, exit.output).to.include({ code: 0, signal: null, killed: false });
    const errors = exit.output.split('\n').filter((line) => line.includes('"error"'));
    expect(errors, `errors the Node peer saw: ${errors.join(' | ')}`).to.deep.equal([]);
  }

  for (const order of ['the Node peer joins first', 'this browser joins first'] as const) {
    it(`meshes with a Node peer on the real server (${order}): data both ways, on a channel of each side's`, async function () {
      this.timeout(90_000);
      const name = uniquePool('node');
      const pool = tracker.create();
      const fromNode = messagesOn(pool, 'from-node', 1);
      let peer: NodePeer;
      if (order === 'the Node peer joins first') {
        peer = await nodePeers.start(name);
        running.push(peer);
        await pool.join(name);
      } else {
        await pool.join(name);
        peer = await nodePeers.start(name);
        running.push(peer);
      }
      const [connection] = await connectionsOf(pool, 1);
      expect(connection!.id).to.equal(peer.id);

      // this browser's channel: the Node peer echoes
      const data = await connection!.dataChannel('data', { timeout: MESH_TIMEOUT_MS * 2 });
      const echoed = nextMessage(data);
      data.send(`hello from ${thisEngine()}`);
      expect(await echoed).to.equal(`node echo hello from ${thisEngine()}`);
      // the Node peer's channel: it speaks first
      expect(await fromNode).to.deep.equal([`hello from node ${peer.id}`]);
      expect(tracker.errors.map((error) => `${error.code}: ${error.message}`)).to.deep.equal([]);

      const left = firstValueFrom(pool.peerLeft$.pipe(timeout(MESH_TIMEOUT_MS)));
      await stopCleanly(peer);
      expect((await left).id).to.equal(peer.id);
      // its leaving is no failure, on either side
      expect(tracker.errors.map((error) => `${error.code}: ${error.message}`)).to.deep.equal([]);
    });
  }

  it('meshes two pools of this browser and two Node peers, joining in turn: every pair carries data', async function () {
    this.timeout(120_000);
    const name = uniquePool('node-mesh');
    const [first, second] = [tracker.create(), tracker.create()];
    const heard = [first, second].map((pool) => messagesOn(pool, 'from-node', 2));
    const a = await nodePeers.start(name);
    running.push(a);
    await first.join(name);
    const b = await nodePeers.start(name);
    running.push(b);
    await second.join(name);
    await Promise.all([connectionsOf(first, 3), connectionsOf(second, 3)]);
    for (const pool of [first, second]) {
      for (const peer of [a, b]) {
        const channel = await pool.connections.find((connection) => connection.id === peer.id)!.dataChannel(`to-${peer.id}`, { timeout: MESH_TIMEOUT_MS * 2 });
        const echoed = nextMessage(channel);
        channel.send(pool.id!);
        expect(await echoed).to.equal(`node echo ${pool.id}`);
      }
    }
    const ids = [a.id, b.id].sort();
    for (const messages of await Promise.all(heard)) expect(messages).to.deep.equal(ids.map((id) => `hello from node ${id}`));
    expect(tracker.errors.map((error) => `${error.code}: ${error.message}`)).to.deep.equal([]);
    await stopCleanly(a);
    await stopCleanly(b);
  });
});
