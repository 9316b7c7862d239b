import { expect } from 'chai';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { startCliNode, stopCliNode } from '../../support/cliNode';
import { WsTestClient, type Received } from '../../support/wsTestClient';
import { clusterHarness } from './support/clusterHarness';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const SECRET = 'cluster-secret';
const GRACE_MS = 1_000;

/** Session resume in a cluster: a member resumes on whichever node its socket lands on. */
describe('ClusterResumption', () => {
  const cluster = clusterHarness();
  const { nodes, processes, clients } = cluster;

  async function startNodes(count: number, options: SignallingServerOptions = {}): Promise<SignallingServer[]> {
    const shared = { redis: cluster.redis.url, prefix: cluster.prefix('resume') };
    for (let i = 0; i < count; i += 1) nodes.push(await createSignallingServer({ resume: { secret: SECRET, graceMs: GRACE_MS }, ...options, cluster: shared }));
    return nodes;
  }
  async function joined(url: string, pool: string, ack = false): Promise<[WsTestClient, Received['data']]> {
    const client = await WsTestClient.connect(url);
    clients.push(client);
    client.send('rtc:join', { pool, ...(ack ? { ack: true } : {}) });
    return [client, await client.next('rtc:joined')];
  }
  async function resume(url: string, id: string, pool: string, token: unknown, extra: object = {}): Promise<WsTestClient> {
    const client = await WsTestClient.connect(url);
    clients.push(client);
    client.send('rtc:resume', { id, pool, token, ...extra });
    return client;
  }

  it('resumes a dropped member on another node: same id, a new token, and the others see no close', async () => {
    const [one, two] = await startNodes(3);
    const [a, joinedA] = await joined(one!.url, 'p');
    const [b] = await joined(two!.url, 'p');
    await a.next('rtc:peer');
    a.socket.terminate();
    const again = await resume(nodes[2]!.url, a.id, 'p', joinedA.token);
    const resumed = await again.next('rtc:resumed');
    expect(resumed).to.deep.include({ client_id: a.id, peers: [b.id], descriptions: { [b.id]: null }, pool: 'p' });
    expect(resumed.token, 'a new token: each resumes once').to.be.a('string').and.not.equal(joinedA.token);
    again.send('rtc:sdp', { to: b.id, description: OFFER });
    expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
    // past the grace period of the node it left: it still holds its place
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 1.5));
    await b.expectSilence();
    expect((await two!.cluster!.members('p'))!.map((member) => member.id)).to.have.members([a.id, b.id]);
  });

  it('delivers what was kept for the member while it was away, in order, before anything new', async () => {
    const [one, two, three] = await startNodes(3);
    const [a, joinedA] = await joined(one!.url, 'p');
    const [b] = await joined(two!.url, 'p');
    await a.next('rtc:peer');
    a.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 5; i += 1) b.send('rtc:candidate', { for: a.id, candidate: { candidate: `c${i}`, sdpMid: '0' } });
    const [c] = await joined(three!.url, 'p');
    await b.next('rtc:peer');
    const again = await resume(three!.url, a.id, 'p', joinedA.token);
    expect((await again.next('rtc:resumed')).peers).to.have.members([b.id, c.id]);
    for (let i = 0; i < 5; i += 1) expect(await again.next('rtc:candidate')).to.deep.equal({ from: b.id, candidate: { candidate: `c${i}`, sdpMid: '0' } });
    expect(await again.next('rtc:peer')).to.deep.include({ id: c.id });
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
  });

  it('replays the numbered relays the member had not seen, and numbers on from there: none lost, none twice', async () => {
    const [one, two] = await startNodes(2);
    const [a, joinedA] = await joined(one!.url, 'p', true);
    const [b] = await joined(two!.url, 'p');
    expect((await a.next('rtc:peer')).seq).to.equal(1);
    for (let i = 0; i < 4; i += 1) b.send('rtc:candidate', { for: a.id, candidate: { candidate: `c${i}` } });
    const seen: number[] = [];
    for (let i = 0; i < 4; i += 1) seen.push((await a.next('rtc:candidate')).seq as number);
    expect(seen).to.deep.equal([2, 3, 4, 5]);
    a.socket.terminate();
    // it saw up to 3 (the rest were lost with the socket), and acknowledged nothing
    const again = await resume(two!.url, a.id, 'p', joinedA.token, { ack: true, last: 3 });
    await again.next('rtc:resumed');
    expect((await again.next('rtc:candidate')).seq).to.equal(4);
    expect((await again.next('rtc:candidate')).seq).to.equal(5);
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ seq: 6, peer: b.id, description: OFFER });
  });

  it('takes a member over from a node that has not noticed its socket is dead, and cuts that socket', async () => {
    const [one, two] = await startNodes(2);
    const [a, joinedA] = await joined(one!.url, 'p');
    const [b] = await joined(two!.url, 'p');
    await a.next('rtc:peer');
    const cut = new Promise((resolve) => a.socket.once('close', resolve));
    const again = await resume(two!.url, a.id, 'p', joinedA.token);
    expect((await again.next('rtc:resumed')).client_id).to.equal(a.id);
    await cut;
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
    await b.expectSilence();
  });

  it('lets each token resume once, on any node: a used, forged, wrong-pool or ended one gets resume-failed and changes nothing', async () => {
    const [one, two, three] = await startNodes(3);
    const [a, joinedA] = await joined(one!.url, 'p');
    const [b, joinedB] = await joined(two!.url, 'p');
    await a.next('rtc:peer');
    a.socket.terminate();
    const again = await resume(two!.url, a.id, 'p', joinedA.token);
    await again.next('rtc:resumed');
    expect(await (await resume(three!.url, a.id, 'p', joinedA.token)).nextError(), 'used').to.equal('resume-failed');
    expect(await (await resume(three!.url, a.id, 'p', `${joinedA.token as string}x`)).nextError(), 'forged').to.equal('resume-failed');
    expect(await (await resume(three!.url, a.id, 'other', joinedA.token)).nextError(), 'wrong pool').to.equal('resume-failed');
    await b.close();
    expect(await again.next('rtc:close')).to.deep.equal({ id: b.id, uid: b.id });
    expect(await (await resume(one!.url, b.id, 'p', joinedB.token)).nextError(), 'ended').to.equal('resume-failed');
    expect((await one!.cluster!.members('p'))!.map((member) => member.id)).to.deep.equal([a.id]);
  });

  it('resumes the members of a SIGKILLed node on the others before they are taken for gone', async function () {
    this.timeout(40_000);
    processes.push(...(await Promise.all([0, 1].map(() => startCliNode(['--redis', cluster.redis.url, '--secret', SECRET])))));
    // named: the CLI names a socket without a name anew, and a resume takes the name its socket has
    const [a, joinedA] = await joined(`${processes[0]!.url}?name=a`, 'p');
    const [b] = await joined(`${processes[1]!.url}?name=b`, 'p');
    await a.next('rtc:peer');
    await stopCliNode(processes[0]!.child, 'SIGKILL');
    const again = await resume(`${processes[1]!.url}?name=a`, a.id, 'p', joinedA.token);
    expect((await again.next('rtc:resumed')).peers).to.deep.equal([b.id]);
    // past the time the dead node's members are reaped: a is not among them any more
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await b.expectSilence();
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
  });
});
