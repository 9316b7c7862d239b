import { expect } from 'chai';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { startCliNode, stopCliNode } from '../../support/cliNode';
import { WsTestClient, type Received } from '../../support/wsTestClient';
import { clusterHarness } from './support/clusterHarness';

/** The promise: a node dead without a goodbye is seen gone by the others within this. */
const NODE_DEATH_REPORT_MS = 15_000;

describe('ClusterRegistry', () => {
  const harness = clusterHarness();
  const { nodes, processes, clients } = harness;

  async function startNodes(count: number, options: SignallingServerOptions = {}): Promise<SignallingServer[]> {
    const cluster = { redis: harness.redis.url, prefix: harness.prefix('cluster') };
    const made: SignallingServer[] = [];
    for (let i = 0; i < count; i += 1) made.push(await createSignallingServer({ ...options, resume: false, cluster }));
    nodes.push(...made);
    return made;
  }
  async function joined(url: string, pool: string): Promise<[WsTestClient, Received['data']]> {
    const [client, data] = await WsTestClient.joined(url, pool);
    clients.push(client);
    return [client, data];
  }

  describe('set-up', () => {
    it('refuses to start a node whose Redis cannot be reached, and leaves nothing running', async () => {
      const { freePort } = await import('../../support/redisServer');
      const port = await freePort();
      let failure: unknown = null;
      await createSignallingServer({ resume: false, cluster: { redis: `redis://127.0.0.1:${port}` } }).catch((error: unknown) => {
        failure = error;
      });
      expect(failure).to.be.instanceOf(Error);
    });

    it('refuses a node with session resume but no secret: each node\'s random one would refuse the others\' tokens', async () => {
      let failure: unknown = null;
      await createSignallingServer({ cluster: { redis: harness.redis.url } }).catch((error: unknown) => {
        failure = error;
      });
      expect(String(failure)).to.match(/same resume secret/);
    });
  });

  describe('atomic admission', () => {
    it('admits exactly maxMembersPerPool of many joins sent at once across three nodes', async () => {
      const three = await startNodes(3, { limits: { maxMembersPerPool: 5 } });
      const sockets = await Promise.all(Array.from({ length: 30 }, (_, i) => WsTestClient.connect(three[i % 3]!.url)));
      clients.push(...sockets);
      for (const socket of sockets) socket.send('rtc:join', { pool: 'race' });
      const answers = await Promise.all(sockets.map((socket) => socket.nextEvent()));
      const admitted = answers.filter((answer) => answer.type === 'rtc:joined');
      const refused = answers.filter((answer) => answer.type === 'rtc:error');
      expect(admitted).to.have.length(5);
      expect(refused.map((answer) => answer.data.reason)).to.deep.equal(Array(25).fill('pool-full'));
      expect(await three[2]!.cluster!.members('race')).to.have.length(5);
    });

    it('creates exactly maxPools pools of many joins to new pools sent at once across three nodes', async () => {
      const three = await startNodes(3, { limits: { maxPools: 4 } });
      const sockets = await Promise.all(Array.from({ length: 24 }, (_, i) => WsTestClient.connect(three[i % 3]!.url)));
      clients.push(...sockets);
      sockets.forEach((socket, i) => socket.send('rtc:join', { pool: `pool-${i}` }));
      const answers = await Promise.all(sockets.map((socket) => socket.nextEvent()));
      expect(answers.filter((answer) => answer.type === 'rtc:joined')).to.have.length(4);
      expect(answers.filter((answer) => answer.data.reason === 'too-many-pools')).to.have.length(20);
      expect(await three[0]!.cluster!.pools()).to.have.length(4);
    });

    it('counts maxPoolsPerAddress over every node', async () => {
      const three = await startNodes(3, { limits: { maxPoolsPerAddress: 2 } });
      await joined(three[0]!.url, 'one');
      await joined(three[1]!.url, 'two');
      const third = await WsTestClient.connect(three[2]!.url);
      clients.push(third);
      third.send('rtc:join', { pool: 'three' });
      expect(await third.nextError()).to.equal('too-many-pools');
      // joining an existing pool creates nothing, so it is still allowed
      third.send('rtc:join', { pool: 'one' });
      expect((await third.next('rtc:joined')).pool).to.equal('one');
    });
  });

  describe('node death', () => {
    it('tells the members on other nodes that a SIGKILLed node\'s members left, within 15 s', async function () {
      this.timeout(40_000);
      processes.push(...(await Promise.all([0, 1, 2].map(() => startCliNode(['--redis', harness.redis.url])))));
      const [a] = await joined(processes[0]!.url, 'p');
      const [b] = await joined(processes[1]!.url, 'p');
      const [c] = await joined(processes[2]!.url, 'p');
      await a.next('rtc:peer');
      await a.next('rtc:peer');
      await b.next('rtc:peer');
      const killedAt = Date.now();
      await stopCliNode(processes[2]!.child, 'SIGKILL');
      const closes = await Promise.all([a, b].map((member) => waitForEvent(member, 'rtc:close', NODE_DEATH_REPORT_MS + 2_000)));
      const elapsed = Date.now() - killedAt;
      expect(closes).to.deep.equal([
        { id: c.id, uid: c.id },
        { id: c.id, uid: c.id },
      ]);
      expect(elapsed, 'the pool heard of the dead node\'s members in time').to.be.below(NODE_DEATH_REPORT_MS);
      // the survivors still relay to each other
      a.send('rtc:sdp', { to: b.id, description: { type: 'offer', sdp: 'v=0\r\n' } });
      expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: { type: 'offer', sdp: 'v=0\r\n' } });
    });

    it('a node closed cleanly takes its members out of their pools at once', async () => {
      const [first, second] = await startNodes(2);
      const [a] = await joined(first!.url, 'p');
      const [b] = await joined(second!.url, 'p');
      await a.next('rtc:peer');
      await second!.close();
      nodes.splice(0, nodes.length, first!);
      expect(await a.next('rtc:close')).to.deep.equal({ id: b.id, uid: b.id });
    });
  });

  describe('Redis faults', () => {
    it('delivers every relay sent across a Redis restart, or answers it with rtc:error', async function () {
      this.timeout(30_000);
      const [first, second] = await startNodes(2);
      const [a] = await joined(first!.url, 'p');
      const [b] = await joined(second!.url, 'p');
      await a.next('rtc:peer');
      const total = 150;
      const delivered: number[] = [];
      const refused: string[] = [];
      // counted off the sockets themselves: the test clients' queues also hold what is skipped
      b.socket.on('message', (raw) => {
        const event = JSON.parse(String(raw)) as Received;
        if (event.type === 'rtc:candidate') delivered.push(Number(/candidate:(\d+)/.exec((event.data.candidate as { candidate: string }).candidate)![1]));
      });
      a.socket.on('message', (raw) => {
        const event = JSON.parse(String(raw)) as Received;
        if (event.type === 'rtc:error') refused.push(String(event.data.reason));
      });
      for (let i = 0; i < total; i += 1) {
        if (i === 50) await harness.redis.stop('SIGTERM');
        if (i === 100) await harness.redis.restart();
        a.send('rtc:candidate', { for: b.id, candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${10000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // every relay ends delivered or refused
      const deadline = Date.now() + 20_000;
      while (delivered.length + refused.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(delivered.length + refused.length, `${delivered.length} delivered, ${refused.length} refused (${[...new Set(refused)]})`).to.equal(total);
      expect(delivered, 'delivered in order').to.deep.equal([...delivered].sort((x, y) => x - y));
      expect(delivered.length, 'most waited for Redis rather than failing').to.be.above(total / 2);
      // and the cluster works again: both are members, relays flow
      a.send('rtc:sdp', { to: b.id, description: { type: 'offer', sdp: 'v=0\r\n' } });
      expect(await waitForEvent(b, 'rtc:sdp', 5_000)).to.deep.equal({ peer: a.id, description: { type: 'offer', sdp: 'v=0\r\n' } });
      expect((await first!.cluster!.members('p'))!.map((m) => m.id)).to.have.members([a.id, b.id]);
    });

    it('still lists a member as an offerer once its node has put it back into a Redis that restarted empty', async function () {
      this.timeout(30_000);
      const [first, second] = await startNodes(2);
      const offerer = await WsTestClient.connect(first!.url);
      clients.push(offerer);
      offerer.send('rtc:join', { pool: 'p', offerer: true });
      await offerer.next('rtc:joined');
      const [legacy] = await joined(second!.url, 'p');
      await harness.redis.stop('SIGTERM');
      await harness.redis.restart();
      const deadline = Date.now() + 20_000;
      const restored = async (): Promise<number> => (await first!.cluster!.members('p').catch(() => null))?.length ?? 0;
      while ((await restored()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const [, newcomer] = await joined(second!.url, 'p');
      expect(newcomer.peers).to.have.members([offerer.id, legacy.id]);
      expect(newcomer.offerers).to.deep.equal([offerer.id]);
    });
  });
});

/** The next event of `type`, skipping others (a restored peer's rtc:peer, say). */
async function waitForEvent(client: WsTestClient, type: string, timeoutMs: number): Promise<Received['data']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const event = await client.nextEvent();
      if (event.type === type) return event.data;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}
