import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { ResumeTokens } from '../../../src/server/resumeTokens';
import { WsTestClient, type Received } from '../../support/wsTestClient';

const GRACE_MS = 300;

describe('ResumeTokens', () => {
  const claims = { id: 'a', pool: 'p', instance: 'i1', nonce: 'n1' };

  it('verifies a token for the membership, principal and time it was issued for', () => {
    const tokens = new ResumeTokens('s');
    const token = tokens.issue(claims, 'alice');
    expect(tokens.verify('a', 'p', token, 'alice')).to.deep.include({ ...claims, epoch: tokens.epoch });
    expect(new ResumeTokens('s').verify('a', 'p', token, 'alice'), 'another process, the same secret').to.not.be.a('string');
    expect(new ResumeTokens('other').verify('a', 'p', token, 'alice')).to.equal('invalid');
  });

  it('signs an unambiguous encoding: id "a\\nb" in pool "c" is not id "a" in pool "b\\nc"', () => {
    const tokens = new ResumeTokens('s');
    const token = tokens.issue({ ...claims, id: 'a\nb', pool: 'c' }, undefined);
    expect(tokens.verify('a', 'b\nc', token, undefined)).to.equal('invalid');
    expect(tokens.verify('a\nb', 'c', token, undefined)).to.not.be.a('string');
  });

  it('refuses a token for another principal, or for none', () => {
    const tokens = new ResumeTokens('s');
    const token = tokens.issue(claims, 'alice');
    expect(tokens.verify('a', 'p', token, 'mallory')).to.equal('invalid');
    expect(tokens.verify('a', 'p', token, undefined)).to.equal('invalid');
  });

  it('refuses a token past its expiry', () => {
    let now = 1_000;
    const tokens = new ResumeTokens('s', 500, () => now);
    const token = tokens.issue(claims, undefined);
    now = 1_499;
    expect(tokens.verify('a', 'p', token, undefined)).to.not.be.a('string');
    now = 1_500;
    expect(tokens.verify('a', 'p', token, undefined)).to.equal('expired');
  });

  it('refuses a forged or mangled token', () => {
    const tokens = new ResumeTokens('s');
    const token = tokens.issue(claims, undefined);
    const [body, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['i1', tokens.epoch, 'n2', Date.now() + 1e9])).toString('base64url');
    for (const bad of [`${forged}.${mac}`, body, `${body}.`, `!!.${mac}`, `${Buffer.from('{}').toString('base64url')}.${mac}`]) {
      expect(tokens.verify('a', 'p', bad, undefined), bad).to.equal('invalid');
    }
  });
});

describe('SignallingServer resume tokens under attack', () => {
  let server: SignallingServer;
  let http: Server | null = null;
  const clients: WsTestClient[] = [];
  const track = (client: WsTestClient): WsTestClient => (clients.push(client), client);
  async function start(options: SignallingServerOptions = {}): Promise<void> {
    server = await createSignallingServer({ resume: { secret: 'test-secret', graceMs: GRACE_MS }, ...options });
  }
  async function join(pool: string, query = ''): Promise<[WsTestClient, Received['data']]> {
    const [client, joined] = await WsTestClient.joined(server.url + query, pool);
    return [track(client), joined];
  }
  /** Resumes `id` on a new socket; resolves with the reply (`rtc:resumed` or `rtc:error`). */
  async function resume(id: string, pool: string, token: unknown, query = ''): Promise<[WsTestClient, Received]> {
    const client = track(await WsTestClient.connect(server.url + query));
    client.send('rtc:resume', { id, pool, token });
    const reply = await client.nextEvent();
    return [client, reply];
  }
  const refusal = (reply: Received): string => (reply.type === 'rtc:error' ? (reply.data.reason as string) : reply.type);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
    http?.close();
    http = null;
  });

  it('refuses a token once it has resumed: each resumes once, and the rotated one works', async () => {
    await start();
    const [a, joined] = await join('p');
    a.socket.terminate();
    const [first, resumed] = await resume(a.id, 'p', joined.token);
    expect(resumed.type).to.equal('rtc:resumed');
    const [, replayed] = await resume(a.id, 'p', joined.token);
    expect(refusal(replayed)).to.equal('resume-failed');
    first.socket.terminate();
    const [, rotated] = await resume(a.id, 'p', resumed.data.token);
    expect(rotated.type).to.equal('rtc:resumed');
  });

  it('refuses a token after its member left cleanly', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    await a.close();
    expect(await b.next('rtc:close')).to.deep.include({ id: a.id });
    const [, reply] = await resume(a.id, 'p', joined.token);
    expect(refusal(reply)).to.equal('resume-failed');
    expect(server.members('p')!.map((m) => m.id)).to.deep.equal([b.id]);
  });

  it('refuses a token after the grace period ran out', async () => {
    await start();
    const [a, joined] = await join('p');
    const [b] = await join('p');
    a.socket.terminate();
    expect(await b.next('rtc:close')).to.deep.include({ id: a.id });
    const [, reply] = await resume(a.id, 'p', joined.token);
    expect(refusal(reply)).to.equal('resume-failed');
  });

  it('refuses a token after stop(), and after the pool was created again', async () => {
    await start();
    const [a, joined] = await join('p');
    server.stop('p');
    await a.next('rtc:stop');
    const [, whileStopped] = await resume(a.id, 'p', joined.token);
    expect(refusal(whileStopped)).to.equal('resume-failed');
    await a.close();
    await join('p');
    const [, recreated] = await resume(a.id, 'p', joined.token);
    expect(refusal(recreated)).to.equal('resume-failed');
  });

  it('refuses, after a restart, a token of a pool that was stopped and created again before it', async () => {
    http = createServer();
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    await start({ server: http });
    const [, oldJoined] = await join('p');
    const oldId = oldJoined.client_id as string;
    server.stop('p');
    const [, newJoined] = await join('p');
    await server.close();
    await start({ server: http });
    const [, readmitted] = await resume(newJoined.client_id as string, 'p', newJoined.token);
    expect(readmitted.type).to.equal('rtc:resumed');
    const [, reply] = await resume(oldId, 'p', oldJoined.token);
    expect(refusal(reply)).to.equal('resume-failed');
  });

  it('refuses, after a restart, a token that has readmitted its member once already', async () => {
    http = createServer();
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    await start({ server: http });
    const [a, joined] = await join('p');
    await join('p');
    await server.close();
    await start({ server: http });
    const [again, readmitted] = await resume(a.id, 'p', joined.token);
    expect(readmitted.type).to.equal('rtc:resumed');
    await again.close();
    const [, reply] = await resume(a.id, 'p', joined.token);
    expect(refusal(reply)).to.equal('resume-failed');
  });

  it('refuses a token past tokenTtlMs', async () => {
    await start({ resume: { secret: 's', graceMs: 5_000, tokenTtlMs: 100 } });
    const [a, joined] = await join('p');
    a.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [, reply] = await resume(a.id, 'p', joined.token);
    expect(refusal(reply)).to.equal('resume-failed');
    expect(reply.data.message).to.match(/expired/);
  });

  describe('with an authenticate hook', () => {
    const hook = (request: { url?: string }) => {
      const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
      const role = new URL(request.url ?? '/', 'http://x').searchParams.get('role');
      return user ? { principal: user, description: { user, role } } : false;
    };

    it('runs it again for the resuming socket, and refuses a resume by another principal', async () => {
      let calls = 0;
      await start({ authenticate: (request) => (calls += 1, hook(request)) });
      const [a, joined] = await join('p', '?user=alice');
      a.socket.terminate();
      const [, stolen] = await resume(a.id, 'p', joined.token, '?user=mallory');
      expect(refusal(stolen)).to.equal('resume-failed');
      const [, own] = await resume(a.id, 'p', joined.token, '?user=alice');
      expect(own.type).to.equal('rtc:resumed');
      expect(calls).to.equal(3);
    });

    it('gives the resumed member the description the hook gives now, and tells its pool with rtc:describe', async () => {
      await start({ authenticate: hook });
      const [a, joined] = await join('p', '?user=alice&role=guest');
      const [b] = await join('p', '?user=bob');
      await a.next('rtc:peer');
      a.socket.terminate();
      const [, resumed] = await resume(a.id, 'p', joined.token, '?user=alice&role=host');
      expect(resumed.type).to.equal('rtc:resumed');
      expect(await b.next('rtc:describe')).to.deep.equal({ id: a.id, uid: a.id, description: { user: 'alice', role: 'host' } });
      expect(server.members('p')!.find((m) => m.id === a.id)!.description).to.deep.equal({ user: 'alice', role: 'host' });
    });
  });
});

