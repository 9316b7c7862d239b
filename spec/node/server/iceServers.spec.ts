import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSignallingServer, type SignallingServer, type SignallingServerOptions } from '../../../src/server';
import { startCliNode, stopCliNode } from '../../support/cliNode';
import { WsTestClient } from '../../support/wsTestClient';

const TURN = { secret: 'turn-secret', urls: ['turn:127.0.0.1:3478?transport=udp'], ttlSeconds: 600 };

/** Checks a TURN REST credential as a TURN server would: expiry in the future, HMAC-SHA1 under the secret. */
function expectTurnCredential(server: RTCIceServer, secret: string, memberId: string, ttlSeconds: number): void {
  const [expiry, id] = String(server.username).split(':');
  expect(id).to.equal(memberId);
  const left = Number(expiry) - Date.now() / 1000;
  expect(left).to.be.within(ttlSeconds - 5, ttlSeconds + 1);
  expect(server.credential).to.equal(createHmac('sha1', secret).update(String(server.username)).digest('base64'));
}

describe('SignallingServer ICE servers (extension)', () => {
  let server: SignallingServer | null = null;
  const clients: WsTestClient[] = [];
  const start = async (options: SignallingServerOptions): Promise<SignallingServer> => (server = await createSignallingServer(options));
  const joined = async (pool: string): Promise<[WsTestClient, Awaited<ReturnType<typeof WsTestClient.joined>>[1]]> => {
    const [client, data] = await WsTestClient.joined(server!.url, pool);
    clients.push(client);
    return [client, data];
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = null;
  });

  it('hands each member TURN credentials of its own in rtc:joined, after the plain ICE servers', async () => {
    const stun = { urls: 'stun:127.0.0.1:3478' };
    await start({ turn: TURN, iceServers: [stun] });
    const [a, data] = await joined('p');
    const [b, other] = await joined('p');
    expect((data.iceServers as RTCIceServer[])).to.have.length(2);
    expect((data.iceServers as RTCIceServer[])[0]).to.deep.equal(stun);
    expect((data.iceServers as RTCIceServer[])[1].urls).to.deep.equal(TURN.urls);
    expect(data.iceServersTtl).to.equal(TURN.ttlSeconds);
    expectTurnCredential((data.iceServers as RTCIceServer[])[1], TURN.secret, a.id, TURN.ttlSeconds);
    expectTurnCredential((other.iceServers as RTCIceServer[])[1], TURN.secret, b.id, TURN.ttlSeconds);
  });

  it('answers rtc:ice-servers from a member with fresh credentials', async () => {
    await start({ turn: TURN });
    const [a] = await joined('p');
    a.send('rtc:ice-servers', {});
    const fresh = await a.next('rtc:ice-servers');
    expect(fresh.iceServersTtl).to.equal(TURN.ttlSeconds);
    expectTurnCredential((fresh.iceServers as RTCIceServer[])[0], TURN.secret, a.id, TURN.ttlSeconds);
  });

  it('hands fresh credentials out again in rtc:resumed', async () => {
    await start({ turn: TURN, resume: { secret: 's', graceMs: 5_000 } });
    const [a, data] = await joined('p');
    a.socket.terminate();
    const again = await WsTestClient.connect(server!.url);
    clients.push(again);
    again.send('rtc:resume', { id: a.id, pool: 'p', token: data.token });
    const resumed = await again.next('rtc:resumed');
    expectTurnCredential((resumed.iceServers as RTCIceServer[])[0], TURN.secret, a.id, TURN.ttlSeconds);
  });

  it('refuses rtc:ice-servers before a join (not-joined): credentials name a member', async () => {
    await start({ turn: TURN });
    const client = await WsTestClient.connect(server!.url);
    clients.push(client);
    client.send('rtc:ice-servers', {});
    expect(await client.nextError()).to.equal('not-joined');
  });

  it('without turn or iceServers adds nothing to rtc:joined, and answers rtc:ice-servers with unknown-type', async () => {
    await start({});
    const [a, data] = await joined('p');
    expect(data).not.to.have.property('iceServers');
    expect(data).not.to.have.property('iceServersTtl');
    a.send('rtc:ice-servers', {});
    expect(await a.nextError()).to.equal('unknown-type');
  });

  it('refuses bad TURN options at start-up, naming the field', async () => {
    for (const turn of [{ secret: '', urls: ['turn:h'] }, { secret: 's', urls: [] }, { secret: 's', urls: ['http://h'] }, { secret: 's', urls: ['turn:h'], ttlSeconds: 0 }]) {
      let failed: unknown = null;
      await createSignallingServer({ turn }).then((started) => started.close(), (error: unknown) => (failed = error));
      expect(String(failed)).to.match(/turn\./);
    }
  });
});

describe('rtcpool-server (CLI) TURN flags', () => {
  const running: ChildProcess[] = [];
  const clients: WsTestClient[] = [];
  /** The TURN variables of the environment this spec runs in would change what the CLI does. */
  const NO_TURN_ENV = { RTCPOOL_TURN_SECRET: '', RTCPOOL_TURN_URLS: '' };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await Promise.all(running.splice(0).map((child) => stopCliNode(child)));
  });

  for (const [how, args, env] of [
    ['--turn-secret, repeated --turn-url and --turn-ttl', ['--turn-secret', 'cli-turn', '--turn-url', 'turn:127.0.0.1:3478', '--turn-url', 'turn:127.0.0.1:3479', '--turn-ttl', '120'], {}],
    ['RTCPOOL_TURN_SECRET and comma-separated RTCPOOL_TURN_URLS', ['--turn-ttl', '120'], { RTCPOOL_TURN_SECRET: 'cli-turn', RTCPOOL_TURN_URLS: 'turn:127.0.0.1:3478,turn:127.0.0.1:3479' }],
  ] as const) {
    it(`hands out TURN credentials configured with ${how}`, async function () {
      this.timeout(20_000);
      const node = await startCliNode(args, { ...NO_TURN_ENV, ...env });
      running.push(node.child);
      const [client, data] = await WsTestClient.joined(node.url, 'p');
      clients.push(client);
      expect((data.iceServers as RTCIceServer[])[0].urls).to.deep.equal(['turn:127.0.0.1:3478', 'turn:127.0.0.1:3479']);
      expectTurnCredential((data.iceServers as RTCIceServer[])[0], 'cli-turn', client.id, 120);
    });
  }

  it('refuses --turn-url without a secret, and says which flag is missing', async function () {
    this.timeout(20_000);
    const refused = await startCliNode(['--turn-url', 'turn:127.0.0.1:3478'], NO_TURN_ENV).then(
      (node) => {
        running.push(node.child);
        return '';
      },
      (error: unknown) => String(error),
    );
    expect(refused).to.contain('the CLI exited (1)');
    expect(refused).to.contain('--turn-url needs --turn-secret');
  });
});
