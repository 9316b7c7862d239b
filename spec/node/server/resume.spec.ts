import { expect } from 'chai';
import { createServer } from 'node:http';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { WsTestClient } from '../../support/wsTestClient';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const GRACE_MS = 400;

describe('SignallingServer session resume (extension)', () => {
  let server: SignallingServer;
  const clients: WsTestClient[] = [];
  const track = (client: WsTestClient): WsTestClient => (clients.push(client), client);
  async function start(options: SignallingServerOptions = {}): Promise<void> {
    server = await createSignallingServer({ resume: { secret: 'test-secret', graceMs: GRACE_MS }, ...options });
  }
  async function join(pool: string): Promise<[WsTestClient, Record<string, unknown>]> {
    const [client, joined] = await WsTestClient.joined(server.url, pool);
    return [track(client), joined];
  }
  async function resume(id: string, pool: string, token: string, url = server.url): Promise<WsTestClient> {
    const client = track(await WsTestClient.connect(url));
    client.send('rtc:resume', { id, pool, token });
    return client;
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
  });

  it('keeps a dropped member\'s place through the grace period: the others see no close, and it resumes its id', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    a.socket.terminate();
    await b.expectSilence();
    const again = await resume(a.id, 'p', joined.token as string);
    const resumed = await again.next('rtc:resumed');
    expect(resumed).to.deep.include({ client_id: a.id, peers: [b.id], descriptions: { [b.id]: null }, pool: 'p' });
    expect(resumed.token, 'a new token: each resumes once').to.be.a('string').and.not.equal(joined.token);
    again.send('rtc:sdp', { to: b.id, description: OFFER });
    expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 1.5));
    await b.expectSilence();
    expect(server.members('p')!.map((m) => m.id)).to.have.members([a.id, b.id]);
  });

  it('delivers what was sent to the member while it was away, after rtc:resumed', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    a.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    const [c] = await join('p');
    await b.next('rtc:peer');
    const again = await resume(a.id, 'p', joined.token as string);
    expect((await again.next('rtc:resumed')).peers).to.have.members([b.id, c.id]);
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
    expect(await again.next('rtc:peer')).to.deep.include({ id: c.id });
  });

  it('sends rtc:close once the grace period ends without a resume', async () => {
    await start();
    const [a] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    const dropped = Date.now();
    a.socket.terminate();
    expect(await b.next('rtc:close')).to.deep.equal({ id: a.id, uid: a.id });
    expect(Date.now() - dropped).to.be.at.least(GRACE_MS - 50);
  });

  it('lets a member that closes its socket on purpose leave at once, without a grace period', async () => {
    await start({ resume: { graceMs: 60_000 } });
    const [a] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    await a.close();
    expect(await b.next('rtc:close')).to.deep.equal({ id: a.id, uid: a.id });
  });

  it('refuses a token that does not match with resume-failed, and changes nothing', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    const forger = await resume(a.id, 'p', `${joined.token as string}x`);
    expect(await forger.nextError()).to.equal('resume-failed');
    const wrongPool = await resume(a.id, 'other', joined.token as string);
    expect(await wrongPool.nextError()).to.equal('resume-failed');
    const wrongId = await resume(b.id, 'p', joined.token as string);
    expect(await wrongId.nextError()).to.equal('resume-failed');
    a.send('rtc:sdp', { to: b.id, description: OFFER });
    expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
  });

  it('takes a member over from a socket it has not noticed is dead', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    await a.next('rtc:peer');
    const again = await resume(a.id, 'p', joined.token as string);
    expect((await again.next('rtc:resumed')).client_id).to.equal(a.id);
    b.send('rtc:sdp', { to: a.id, description: OFFER });
    expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
    await b.expectSilence();
  });

  it('readmits members with their ids after a restart with the same secret; the others hear rtc:peer marked resumed', async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    server = await createSignallingServer({ server: http, resume: { secret: 's', graceMs: GRACE_MS } });
    const [a, aJoined] = await join('p');
    const [b, bJoined] = await join('p');
    await a.next('rtc:peer');
    await server.close();
    server = await createSignallingServer({ server: http, resume: { secret: 's', graceMs: GRACE_MS } });
    const a2 = await resume(a.id, 'p', aJoined.token as string);
    expect(await a2.next('rtc:resumed')).to.deep.include({ client_id: a.id, peers: [], descriptions: {}, pool: 'p' });
    const b2 = await resume(b.id, 'p', bJoined.token as string);
    expect((await b2.next('rtc:resumed')).peers).to.deep.equal([a.id]);
    expect(await a2.next('rtc:peer')).to.deep.equal({ id: b.id, description: null, resumed: true });
    await server.close();
    http.close();
  });

  it('refuses rtc:resume with unknown-type when resume is off, as a plain ssp v2 server would', async () => {
    await start({ resume: false });
    const [a, joined] = await join('p');
    expect(joined).to.not.have.property('token');
    const again = await resume(a.id, 'p', 'anything');
    expect(await again.nextError()).to.equal('unknown-type');
  });
});
