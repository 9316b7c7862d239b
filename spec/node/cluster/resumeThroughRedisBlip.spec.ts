import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, RESUME_TIMEOUT_MS, signalling, type JoinResult, type RtcPoolError } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer } from '../../../src/server';
import { WsTestClient } from '../../support/wsTestClient';
import { clusterHarness } from './support/clusterHarness';

const SECRET = 'blip-secret';
/** Far longer than the blip, on a busy machine: the member's place must outlast it. */
const GRACE_MS = 30_000;
/** How long the pool may take to resume once Redis is back (reconnect, put back, settle, a retry). */
const BACK_TIMEOUT_MS = 20_000;

/** `ws`'s WebSocket, remembering the last one opened: the pool's signalling socket, to cut. */
class LastSocket extends WebSocket {
  static last: LastSocket | null = null;
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    LastSocket.last = this;
  }
}

/** A client's session resume through a Redis blip: the cluster cannot run the resume for a while. */
describe('SignallingSession: a resume the cluster refuses for a moment (cluster-unavailable)', () => {
  const cluster = clusterHarness();
  const { nodes, clients } = cluster;
  const pools: Pool[] = [];
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
  });

  it('a Redis blip (SIGTERM, restarted on its port) during a resume ends in the same id, not a fresh join', async function () {
    this.timeout(60_000);
    const shared = { redis: cluster.redis.url, prefix: cluster.prefix('blip') };
    for (let i = 0; i < 2; i += 1) nodes.push(await createSignallingServer({ resume: { secret: SECRET, graceMs: GRACE_MS }, cluster: shared }));
    const [one, two] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    // a member on the other node, which must never see the pool's member leave
    const [other] = await WsTestClient.joined(two.url, 'blip');
    clients.push(other);
    const closes: unknown[] = [];
    other.socket.on('message', (raw) => {
      const { type, data } = JSON.parse(String(raw)) as { type: string; data: unknown };
      if (type === 'rtc:close') closes.push(data);
    });

    const transceiver = new signalling.websocket(one.url, { WebSocket: LastSocket });
    const pool = new Pool({ iceServers: [] }, transceiver, { RTCPeerConnection });
    pools.push(pool);
    const errors: RtcPoolError[] = [];
    pool.errors$.subscribe((error) => errors.push(error));
    const joins: JoinResult[] = [];
    pool.joined$.subscribe((joined) => joins.push(joined));
    await pool.join('blip');
    const id = pool.id!;

    await cluster.redis.stop('SIGTERM');
    const refused = firstValueFrom(pool.errors$.pipe(filter((error) => error.reason === 'cluster-unavailable'), take(1), timeout(BACK_TIMEOUT_MS)));
    // the pool's signalling socket drops: it reconnects and resumes while Redis is away
    LastSocket.last!.terminate();
    await refused;
    // past the time a resume without an answer waits: only trying again can bridge the blip
    await new Promise((resolve) => setTimeout(resolve, RESUME_TIMEOUT_MS + 500));
    expect(pool.state).to.equal('reconnecting');
    await cluster.redis.restart();

    await firstValueFrom(pool.state$.pipe(filter((state) => state === 'joined'), take(1), timeout(BACK_TIMEOUT_MS)));
    expect(pool.id).to.equal(id);
    expect(joins.map((joined) => joined.id), 'one join: the first').to.deep.equal([id]);
    expect((await one.cluster!.members('blip'))!.map((member) => member.id)).to.have.members([id, other.id]);
    expect(closes).to.deep.equal([]);
    expect(errors.filter((error) => error.reason === 'resume-failed')).to.deep.equal([]);
  });
});
