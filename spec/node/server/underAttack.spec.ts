import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { MAX_FRAME_DEPTH } from '../../../src/signalling/parse';
import { startCliNode, stopCliNode } from '../../support/cliNode';
import { refusedStatus, WsTestClient } from '../../support/wsTestClient';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
const UPGRADE_HEADERS = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** A value nested `depth` levels deep, as a hostile client would build it. */
function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { x: value } : [value];
  return value;
}

/** An `rtc:sdp` frame whose description nests `depth` arrays: too deep for JSON.stringify to build. */
function deepFrame(depth: number): string {
  return `{"type":"rtc:sdp","data":{"to":"x","description":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

/** Sends raw HTTP and resolves with the status code of the answer. */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let head = '';
    socket.on('data', (chunk) => {
      head += String(chunk);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a status: ${JSON.stringify(head)}`)));
  });
}

describe('SignallingServer under attack', () => {
  let server: SignallingServer;
  const clients: WsTestClient[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];
  async function start(options: SignallingServerOptions = {}): Promise<void> {
    server = await createSignallingServer({ resume: { graceMs: 2_000 }, ...options });
  }
  async function join(pool: string, url = server.url): Promise<WsTestClient> {
    const [client] = await WsTestClient.joined(url, pool);
    clients.push(client);
    return client;
  }
  async function pair(pool = 'p'): Promise<[WsTestClient, WsTestClient]> {
    const a = await join(pool);
    const b = await join(pool);
    await a.next('rtc:peer');
    return [a, b];
  }
  /** The server still serves: two newcomers relay to each other. */
  async function stillServes(): Promise<void> {
    const [a, b] = await pair(`alive-${Math.random()}`);
    a.send('rtc:sdp', { to: b.id, description: OFFER });
    expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await server?.close();
  });

  describe('input that used to end the process', () => {
    it("survives GET // on the CLI server and on an app's http.Server", async function () {
      this.timeout(20_000);
      const cli = await startCliNode([]);
      cleanups.push(() => stopCliNode(cli.child));
      const port = Number(new URL(cli.http).port);
      expect(await rawStatus(port, 'GET // HTTP/1.1\r\nHost: x\r\n\r\n')).to.equal(400);
      expect(await rawStatus(port, `GET // HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)).to.equal(400);
      expect(await rawStatus(port, 'GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n')).to.equal(204);
      await join('p', `ws://127.0.0.1:${port}/signal`);

      const http: Server = createServer((_request, response) => response.end('app'));
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => void http.close());
      server = await createSignallingServer({ server: http, path: '/rtc' });
      const appPort = server.address().port;
      expect(await rawStatus(appPort, `GET // HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)).to.equal(400);
      expect(await rawStatus(appPort, `GET http://[ HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)).to.equal(400);
      await stillServes();
      expect(server.stats().refusals['bad-url']).to.equal(2);
    });

    it('survives GET // as an upgrade on a server of its own', async () => {
      await start();
      expect(await rawStatus(server.address().port, `GET // HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)).to.equal(400);
      await stillServes();
    });

    it('relays a description and a candidate carrying extra, deeply nested fields as their validated fields only', async () => {
      await start();
      const [a, b] = await pair();
      const deep = nested(MAX_FRAME_DEPTH - 6);
      a.send('rtc:sdp', { to: b.id, description: { ...OFFER, extra: deep, toJSON: 1 } });
      expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
      a.send('rtc:candidate', { for: b.id, candidate: { ...CANDIDATE, usernameFragment: null, extra: deep } });
      expect(await b.next('rtc:candidate')).to.deep.equal({ from: a.id, candidate: { ...CANDIDATE, usernameFragment: null } });
    });

    it('holds such a relay for an away member as its validated fields only, and delivers that on resume', async () => {
      await start();
      const [a, joined] = await WsTestClient.joined(server.url, 'p');
      clients.push(a);
      const b = await join('p');
      await a.next('rtc:peer');
      a.socket.terminate();
      await waitFor(() => server.stats().away === 1);
      b.send('rtc:sdp', { to: a.id, description: { ...OFFER, extra: nested(MAX_FRAME_DEPTH - 6) } });
      await waitFor(() => server.stats().heldBytes > 0);
      const again = await WsTestClient.connect(server.url);
      clients.push(again);
      again.send('rtc:resume', { id: a.id, pool: 'p', token: joined.token });
      await again.next('rtc:resumed');
      expect(await again.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
    });

    it(`refuses a frame nested deeper than MAX_FRAME_DEPTH (${MAX_FRAME_DEPTH}) with frame-too-deep, before parsing it`, async () => {
      await start();
      const [a, b] = await pair();
      a.sendRaw(deepFrame(100_000));
      expect(await a.nextError()).to.equal('frame-too-deep');
      await b.expectSilence();
      expect(server.stats().refusals['frame-too-deep']).to.equal(1);
      await stillServes();
    });
  });

  describe('an authenticate hook that misbehaves', () => {
    it('refuses with 401 a hook that returns null or undefined', async () => {
      const answers: unknown[] = [null, undefined];
      await start({ authenticate: () => answers.shift() as null });
      expect(await refusedStatus(server.url)).to.equal(401);
      expect(await refusedStatus(server.url)).to.equal(401);
      expect(server.stats().refusals.unauthenticated).to.equal(2);
    });

    it('refuses with 401, and logs, a hook that throws or rejects; no unhandled rejection', async () => {
      const logged: unknown[] = [];
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): number => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      cleanups.push(() => void process.off('unhandledRejection', onUnhandled));
      let calls = 0;
      await start({
        authenticate: () => {
          calls += 1;
          if (calls === 1) throw new Error('sync failure');
          return Promise.reject(new Error('database down'));
        },
        log: (_message, cause) => logged.push(cause),
      });
      expect(await refusedStatus(server.url)).to.equal(401);
      expect(await refusedStatus(server.url)).to.equal(401);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged.map((cause) => (cause as Error).message)).to.deep.equal(['sync failure', 'database down']);
      expect(unhandled).to.deep.equal([]);
    });

    it('answers 503 and releases the socket when the hook does not settle within authenticateTimeoutMs', async () => {
      await start({ authenticate: () => new Promise(() => undefined), authenticateTimeoutMs: 200 });
      const refused = refusedStatus(server.url);
      await waitFor(() => server.stats().authenticating === 1);
      expect(await refused).to.equal(503);
      await waitFor(() => server.stats().connections === 0);
      expect(server.stats()).to.deep.include({ authenticating: 0, sockets: 0 });
      expect(server.stats().refusals['authenticate-timeout']).to.equal(1);
    });
  });

  describe('a client that makes the server hold memory', () => {
    it('closes a slow reader once maxQueuedBytes pile up, and frees what was queued for it', async () => {
      await start({ limits: { maxQueuedBytes: 256 * 1024 } });
      const [slow, flooder] = await pair();
      slow.socket.pause();
      // the underlying TCP socket stops reading too: what the server sends piles up on its side
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = { ...CANDIDATE, candidate: `candidate:${'x'.repeat(60_000)}` };
      for (let i = 0; i < 200 && server.stats().refusals['slow-reader'] === undefined; i += 1) {
        flooder.send('rtc:candidate', { for: slow.id, candidate: big });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitFor(() => server.stats().refusals['slow-reader'] === 1);
      await waitFor(() => server.stats().queuedBytes === 0 && server.stats().away === 1);
      await stillServes();
      // a paused socket would never finish a close handshake
      slow.socket.terminate();
    });

    it('gives up an away member once what is held for it passes maxHeldBytes, telling its pool', async () => {
      await start({ limits: { maxHeldBytes: 64 * 1024 } });
      const [away, sender] = await pair();
      away.socket.terminate();
      await waitFor(() => server.stats().away === 1);
      const big = { ...CANDIDATE, candidate: `candidate:${'x'.repeat(10_000)}` };
      for (let i = 0; i < 7; i += 1) sender.send('rtc:candidate', { for: away.id, candidate: big });
      expect(await sender.next('rtc:close')).to.deep.equal({ id: away.id, uid: away.id });
      expect(server.stats()).to.deep.include({ away: 0, heldBytes: 0, members: 1 });
      expect(server.stats().refusals['held-too-much']).to.equal(1);
    });

    it('refuses pools past maxPoolsPerAddress with too-many-pools, leaving room for other addresses', async () => {
      await start({ trustProxy: true, limits: { maxPoolsPerAddress: 2 } });
      const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      for (const pool of ['one', 'two']) {
        const [client] = await WsTestClient.joined(server.url, pool, from('10.0.0.1'));
        clients.push(client);
      }
      const greedy = await WsTestClient.connect(server.url, from('10.0.0.1'));
      clients.push(greedy);
      greedy.send('rtc:join', { pool: 'three' });
      expect(await greedy.nextError()).to.equal('too-many-pools');
      greedy.send('rtc:join', { pool: 'one' });
      await greedy.next('rtc:joined');
      const [other] = await WsTestClient.joined(server.url, 'three', from('10.0.0.2'));
      clients.push(other);
      expect(server.pools().map((pool) => pool.id)).to.have.members(['one', 'two', 'three']);
    });

    it('refuses connections past maxConnectionsPerAddress (429) and maxConnections (503)', async () => {
      await start({ trustProxy: true, limits: { maxConnectionsPerAddress: 2, maxConnections: 3 } });
      const from = (address: string) => ({ headers: { 'x-forwarded-for': `6.6.6.6, ${address}` } });
      for (let i = 0; i < 2; i += 1) clients.push(await WsTestClient.connect(server.url, from('10.0.0.1')));
      expect(await refusedStatus(server.url, from('10.0.0.1'))).to.equal(429);
      clients.push(await WsTestClient.connect(server.url, from('10.0.0.2')));
      expect(await refusedStatus(server.url, from('10.0.0.3'))).to.equal(503);
      await clients.pop()!.close();
      await waitFor(() => server.stats().connections === 2);
      clients.push(await WsTestClient.connect(server.url, from('10.0.0.3')));
    });

    it('counts X-Forwarded-For only with trustProxy: otherwise a client cannot pick its own address', async () => {
      await start({ limits: { maxConnectionsPerAddress: 1 } });
      clients.push(await WsTestClient.connect(server.url, { headers: { 'x-forwarded-for': '10.0.0.1' } }));
      expect(await refusedStatus(server.url, { headers: { 'x-forwarded-for': '10.0.0.2' } })).to.equal(429);
    });

    it('closes a socket that does not join within joinDeadlineMs with 4002', async () => {
      await start({ limits: { joinDeadlineMs: 300 } });
      const idle = await WsTestClient.connect(server.url);
      clients.push(idle);
      const code = await new Promise<number>((resolve) => idle.socket.once('close', resolve));
      expect(code).to.equal(4002);
      expect(server.stats().refusals['join-deadline']).to.equal(1);
      await waitFor(() => server.stats().sockets === 0);
    });
  });

  describe('a client that slows everyone', () => {
    it('keeps relaying every honest message, in order, while four sockets flood deep and large frames', async function () {
      this.timeout(20_000);
      await start();
      const [a, b] = await pair();
      const flooders = await Promise.all([0, 1, 2, 3].map(() => join('flood')));
      const deep = deepFrame(60_000);
      const large = JSON.stringify({ type: 'rtc:candidate', data: { for: a.id, candidate: { candidate: 'x'.repeat(400_000) } } });
      let flooding = true;
      const floods = flooders.map(async (flooder, i) => {
        while (flooding) {
          flooder.sendRaw(i % 2 === 0 ? deep : large);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      });
      // the flood is under way, and being refused, before the honest relays start
      await waitFor(() => server.stats().refusals['rate-limited'] !== undefined && server.stats().refusals['frame-too-deep'] !== undefined, 10_000);
      const HONEST = 200;
      for (let i = 0; i < HONEST; i += 1) a.send('rtc:candidate', { for: b.id, candidate: { ...CANDIDATE, candidate: `candidate:${i}` } });
      const received: string[] = [];
      for (let i = 0; i < HONEST; i += 1) received.push(((await b.next('rtc:candidate')).candidate as { candidate: string }).candidate);
      flooding = false;
      await Promise.all(floods);
      expect(received).to.deep.equal(Array.from({ length: HONEST }, (_, i) => `candidate:${i}`));
    });

    it('rate-limits a socket by bytes as well as by messages', async () => {
      await start({ limits: { bytesPerSecond: 1, byteBurst: 20_000 } });
      const [a, b] = await pair();
      const big = { ...CANDIDATE, candidate: `candidate:${'x'.repeat(6_000)}` };
      for (let i = 0; i < 5; i += 1) a.send('rtc:candidate', { for: b.id, candidate: big });
      for (let i = 0; i < 3; i += 1) await b.next('rtc:candidate');
      await b.expectSilence();
      expect(await a.nextError()).to.equal('rate-limited');
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
