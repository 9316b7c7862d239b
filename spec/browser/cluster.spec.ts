import { expect } from 'chai';
import { filter, firstValueFrom, Observable, take, timeout } from 'rxjs';
import { Pool, signalling } from '../../src';
import { LOCAL_ONLY, uniquePool } from './support/environment';
import { canvasTrack, connectionsOf, exchange, incomingChannel, link, MESH_TIMEOUT_MS, PoolTracker } from './support/pools';

declare const __karma__: { config: { cluster: { control: string } } };

/** A node of the cluster: a real `rtcpool-server --redis` process (spec/support/karmaClusterFramework.cjs). */
interface ClusterNode {
  readonly pid: number;
  readonly url: string;
}

const cluster = {
  async start(count: number): Promise<ClusterNode[]> {
    const response = await fetch(`${__karma__.config.cluster.control}/cluster/nodes?count=${count}`, { method: 'POST' });
    return (await response.json()) as ClusterNode[];
  },
  async kill(node: ClusterNode): Promise<void> {
    await fetch(`${__karma__.config.cluster.control}/cluster/kill?pid=${node.pid}`, { method: 'POST' });
  },
};

/** Quick retries, so a failover does not wait out the default backoff. */
const QUICK_RECONNECT = { initialDelayMs: 100, maxDelayMs: 400 } as const;
/** How often the failover spec sends on its channel. */
const TICK_MS = 50;

const until = <T>(stream: Observable<T>, wanted: T): Promise<T> =>
  firstValueFrom(stream.pipe(filter((value) => value === wanted), take(1), timeout(MESH_TIMEOUT_MS * 2)));

describe('Pool on a cluster of signalling nodes (Redis)', function () {
  this.timeout(90_000);
  const tracker = new PoolTracker();
  let nodes: ClusterNode[] = [];
  afterEach(async () => {
    tracker.closeAll();
    await Promise.all(nodes.splice(0).map((node) => cluster.kill(node)));
  });

  function poolOn(urls: string | string[]): Pool {
    const pool = new Pool(LOCAL_ONLY, new signalling.websocket(urls, { reconnect: QUICK_RECONNECT }));
    tracker.pools.push(pool);
    pool.errors$.subscribe((error) => tracker.errors.push(error));
    return pool;
  }

  it('meshes pools whose sockets are on three different nodes, and every pair carries messages', async () => {
    nodes = await cluster.start(3);
    const name = uniquePool('cluster');
    const pools = [0, 1, 2, 3].map((i) => poolOn(nodes[i % 3]!.url));
    for (const pool of pools) await pool.join(name);
    await Promise.all(pools.map((pool) => connectionsOf(pool, 3)));
    for (let i = 0; i < pools.length; i += 1) {
      for (let j = i + 1; j < pools.length; j += 1) {
        expect(await exchange(pools[i]!, pools[j]!, `c${i}${j}`)).to.equal(`c${i}${j} from ${pools[i]!.id}`);
      }
    }
    expect(tracker.errors).to.deep.equal([]);
  });

  it('fails a client over to the next node when its node is killed: same id and connection, its channel carrying messages throughout', async () => {
    nodes = await cluster.start(2);
    const [dying, surviving] = nodes as [ClusterNode, ClusterNode];
    const name = uniquePool('failover');
    const mover = poolOn([dying.url, surviving.url]);
    const other = poolOn(surviving.url);
    await mover.join(name);
    await other.join(name);
    await Promise.all([connectionsOf(mover, 1), connectionsOf(other, 1)]);
    const id = mover.id;
    const connection = link(mover, other);
    const incoming = incomingChannel(link(other, mover), 'ticker');
    const channel = await connection.dataChannel('ticker');
    const received: number[] = [];
    (await incoming).onmessage = ({ data }) => received.push(Number(data));
    let sent = 0;
    const ticker = setInterval(() => channel.readyState === 'open' && channel.send(String((sent += 1))), TICK_MS);
    try {
      const away = until(mover.signallingState$, 'reconnecting');
      await cluster.kill(dying);
      await away;
      const sentWhenKilled = sent;
      await until(mover.state$, 'joined');
      // the session resumed on the other node: same id, same connection, nothing rebuilt
      expect(mover.id).to.equal(id);
      expect(link(mover, other)).to.equal(connection);
      expect(other.connections.map((c) => c.id)).to.deep.equal([id]);
      // signalling works through the new node: a track needs a negotiation
      const track = canvasTrack();
      const arrived = firstValueFrom(other.tracks$.pipe(timeout(MESH_TIMEOUT_MS)));
      connection.addTrack(track, new MediaStream([track]));
      expect((await arrived).connection.id).to.equal(id);
      track.stop();
      const before = sent;
      await until(
        new Observable<boolean>((subscriber) => {
          const check = setInterval(() => subscriber.next(received.includes(before)), TICK_MS);
          return () => clearInterval(check);
        }),
        true,
      );
      expect(sent).to.be.greaterThan(sentWhenKilled);
      // every message arrived, in order, through the failover
      expect(received.slice(0, before)).to.deep.equal(Array.from({ length: before }, (_, i) => i + 1));
    } finally {
      clearInterval(ticker);
    }
    expect(tracker.errors.filter((error) => error.code !== 'transport')).to.deep.equal([]);
  });
});
