import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { WebSocket, type ClientOptions } from 'ws';
import { createSignallingServer, type MembershipEvent, type SignallingServer } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import type { MemberInfo, PoolInfo } from '../../../src/server/poolRegistry';
import { RedisServer } from '../../support/redisServer';
import { refusedStatus, WsTestClient, type Received } from '../../support/wsTestClient';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** The same conformance specs, on one server and with every client's socket spread over three cluster nodes. */
const MODES = [
  ['single', 'on one process'],
  ['cluster', 'on three cluster nodes over one Redis'],
] as const;
let prefixes = 0;

describe('SignallingServer', () => {
  for (const [mode, title] of MODES) {
    describe(title, () => {
      let redis: RedisServer | null = null;
      if (mode === 'cluster') {
        before(async () => {
          redis = await RedisServer.start();
        });
        after(async () => {
          await redis?.stop();
        });
      }
      let server: SignallingServer;
      /** Every node (one server, or three cluster nodes); `server` is the first. */
      let nodes: SignallingServer[] = [];
      const clients: WsTestClient[] = [];
      const nodeOf = new Map<WsTestClient, SignallingServer>();
      let turn = 0;

      /** A server, or three nodes; the ssp v2 rules are tested without a resume grace period. */
      async function start(options: SignallingServerOptions = {}): Promise<void> {
        if (mode === 'single') {
          server = await createSignallingServer({ host: '127.0.0.1', port: 0, resume: { graceMs: 0 }, ...options });
          nodes = [server];
          return;
        }
        const cluster = { redis: redis!.url, prefix: `spec${(prefixes += 1)}` };
        nodes = [];
        for (let i = 0; i < 3; i += 1) nodes.push(await createSignallingServer({ host: '127.0.0.1', port: 0, ...options, resume: false, cluster }));
        server = nodes[0]!;
      }
      /** The URL of the next node in turn: each client's socket lands on another node. */
      function url(): string {
        return nodes[turn++ % nodes.length]!.url;
      }
      function track(client: WsTestClient, at: string): WsTestClient {
        clients.push(client);
        nodeOf.set(client, nodes.find((node) => at.startsWith(node.url))!);
        return client;
      }
      async function connect(): Promise<WsTestClient> {
        const at = url();
        return track(await WsTestClient.connect(at), at);
      }
      async function join(pool: string): Promise<WsTestClient> {
        const at = url();
        const [client] = await WsTestClient.joined(at, pool);
        return track(client, at);
      }
      async function joinedAt(at: string, pool: string, options?: ClientOptions): Promise<[WsTestClient, Received['data']]> {
        const [client, joined] = await WsTestClient.joined(at, pool, options);
        track(client, at);
        return [client, joined];
      }
      /** Two members of one pool, the first of which has seen the second arrive. */
      async function pair(pool = 'p'): Promise<[WsTestClient, WsTestClient]> {
        const a = await join(pool);
        const b = await join(pool);
        await a.next('rtc:peer');
        return [a, b];
      }
      // the application's view: the server's, or the cluster's (a round trip to Redis)
      const pools = async (): Promise<PoolInfo[]> => (server.cluster ? server.cluster.pools() : server.pools());
      const members = async (pool: string): Promise<readonly MemberInfo[] | null> =>
        server.cluster ? server.cluster.members(pool) : server.members(pool);
      const stop = async (pool: string): Promise<boolean> => (server.cluster ? server.cluster.stop(pool) : server.stop(pool));
      const createPool = async (pool: string): Promise<boolean> => (server.cluster ? server.cluster.createPool(pool) : server.createPool(pool));

      afterEach(async () => {
        await Promise.all(clients.splice(0).map((client) => client.close()));
        nodeOf.clear();
        await Promise.all(nodes.map((node) => node.close()));
        nodes = [];
      });

      describe('join', () => {
        beforeEach(() => start());

        it('answers rtc:joined with the client id, no peers, no descriptions and the pool id', async () => {
          const client = await connect();
          client.send('rtc:join', { pool: 'lobby' });
          const joined = await client.next('rtc:joined');
          expect(joined.client_id).to.be.a('string').and.not.equal('');
          expect(joined).to.deep.include({ peers: [], descriptions: {}, pool: 'lobby' });
          // resume across nodes is not built yet: cluster nodes run with resume off (plain ssp v2)
          if (mode === 'single') expect(joined.token, 'the resume token (our extension)').to.be.a('string');
          else expect(joined.token).to.equal(undefined);
        });

        it('lists the members already there, and announces the newcomer to them with rtc:peer', async () => {
          const a = await join('lobby');
          const [b, joined] = await joinedAt(url(), 'lobby');
          expect(joined.peers).to.deep.equal([a.id]);
          expect(joined.descriptions).to.deep.equal({ [a.id]: null });
          expect(await a.next('rtc:peer')).to.deep.equal({ id: b.id, description: null });
          await b.expectSilence();
        });

        it('lists in offerers (our extension) the members that joined as offerers, and no member that did not (a 3.x client)', async () => {
          const joinWith = async (extra: object): Promise<[WsTestClient, Received['data']]> => {
            const client = await connect();
            client.send('rtc:join', { pool: 'lobby', ...extra });
            return [client, await client.next('rtc:joined')];
          };
          const [offerer, first] = await joinWith({ offerer: true });
          const [legacy, second] = await joinWith({});
          const [, third] = await joinWith({ offerer: false });
          expect([first.offerers, second.offerers]).to.deep.equal([[], [offerer.id]]);
          expect(third.peers).to.have.members([offerer.id, legacy.id]);
          expect(third.offerers).to.deep.equal([offerer.id]);
          // an offerer that leaves is no longer listed
          await offerer.close();
          await legacy.next('rtc:peer');
          await legacy.next('rtc:close');
          const [, fourth] = await joinWith({ offerer: true });
          expect(fourth.offerers).to.deep.equal([]);
          const [, fifth] = await joinWith({});
          expect(fifth.offerers).to.have.length(1);
        });

        describe('standing offers (our extension)', () => {
          const STANDING = { type: 'offer', sdp: 'v=0\r\na=standing\r\n' };
          const joinWith = async (extra: object): Promise<[WsTestClient, Received['data']]> => {
            const client = await connect();
            client.send('rtc:join', { pool: 'lobby', offerer: true, ...extra });
            return [client, await client.next('rtc:joined')];
          };
          /** A member that asked for standing offers and keeps `sid`, confirmed. */
          const standing = async (sid: number, description = STANDING): Promise<WsTestClient> => {
            const [member] = await joinWith({ standing: true });
            member.send('rtc:standing', { sid, description });
            expect(await member.next('rtc:standing')).to.deep.equal({ sid });
            return member;
          };

          it('hands a newcomer that asked every standing offer there is, each to it alone, and tells each member that its offer was taken', async () => {
            const a = await standing(1);
            const [b, joinedB] = await joinWith({ standing: true });
            expect(joinedB.standingOffers).to.deep.equal({ [a.id]: STANDING });
            expect(await a.next('rtc:peer')).to.deep.equal({ id: b.id, description: null, standing: 1 });
            // taken: the next newcomer gets the classic exchange with a
            const [c, joinedC] = await joinWith({ standing: true });
            expect(joinedC.standingOffers).to.deep.equal({});
            expect(joinedC.offerers).to.have.members([a.id, b.id]);
            expect(await a.next('rtc:peer')).to.deep.equal({ id: c.id, description: null });
          });

          it('hands none to a newcomer that did not ask (a 3.x client): the offer stays for the next that asks', async () => {
            const a = await standing(1);
            const [b, joinedB] = await joinWith({});
            expect(joinedB.standingOffers).to.equal(undefined);
            expect(await a.next('rtc:peer')).to.deep.equal({ id: b.id, description: null });
            const [, joinedC] = await joinWith({ standing: true });
            expect(joinedC.standingOffers).to.deep.equal({ [a.id]: STANDING });
          });

          it('keeps one standing offer per member: a new one replaces the one before, and only the last is handed out', async () => {
            const a = await standing(1);
            const newer = { type: 'offer', sdp: 'v=0\r\na=newer\r\n' };
            a.send('rtc:standing', { sid: 2, description: newer });
            expect(await a.next('rtc:standing')).to.deep.equal({ sid: 2 });
            const [, joined] = await joinWith({ standing: true });
            expect(joined.standingOffers).to.deep.equal({ [a.id]: newer });
            expect(await a.next('rtc:peer')).to.deep.include({ standing: 2 });
          });

          it('keeps the standing offer that rides on rtc:join, once the member is admitted, and hands it to the next newcomer', async () => {
            const [a, joinedA] = await joinWith({ standing: true, standingOffer: { sid: 7, description: STANDING } });
            expect(joinedA.standingOffers).to.deep.equal({});
            const [b, joinedB] = await joinWith({ standing: true, standingOffer: { sid: 1, description: STANDING } });
            expect(joinedB.standingOffers).to.deep.equal({ [a.id]: STANDING });
            expect(await a.next('rtc:peer')).to.deep.equal({ id: b.id, description: null, standing: 7 });
            const [, joinedC] = await joinWith({ standing: true });
            expect(joinedC.standingOffers).to.deep.equal({ [b.id]: STANDING });
            // without `standing`, a standingOffer is not kept
            const [, ignored] = await joinWith({ standingOffer: { sid: 1, description: STANDING } });
            expect(ignored.standingOffers).to.equal(undefined);
            const [, joinedE] = await joinWith({ standing: true });
            expect(joinedE.standingOffers).to.deep.equal({});
          });

          it('refuses a join whose standingOffer is not an offer with bad-field, and admits nothing', async () => {
            const client = await connect();
            client.send('rtc:join', { pool: 'lobby', standing: true, standingOffer: { sid: 1, description: { type: 'answer', sdp: 'v=0\r\n' } } });
            expect(await client.nextError()).to.equal('bad-field');
            expect(await members('lobby')).to.equal(null);
          });

          it('drops the standing offer of a member that leaves', async () => {
            const a = await standing(1);
            const [b] = await joinWith({});
            await a.next('rtc:peer');
            await a.close();
            await b.next('rtc:close');
            const [, joined] = await joinWith({ standing: true });
            expect(joined.standingOffers).to.deep.equal({});
          });

          it('refuses rtc:standing from a client that has not joined (not-joined), from a member that did not ask (bad-field), and one that is not an offer (bad-field)', async () => {
            const stranger = await connect();
            stranger.send('rtc:standing', { sid: 1, description: STANDING });
            expect(await stranger.nextError()).to.equal('not-joined');
            const [legacy] = await joinWith({});
            legacy.send('rtc:standing', { sid: 1, description: STANDING });
            expect(await legacy.nextError()).to.equal('bad-field');
            const [asked] = await joinWith({ standing: true });
            await legacy.next('rtc:peer');
            asked.send('rtc:standing', { sid: 1, description: { type: 'answer', sdp: 'v=0\r\n' } });
            expect(await asked.nextError()).to.equal('bad-field');
            asked.send('rtc:standing', { sid: -1, description: STANDING });
            expect(await asked.nextError()).to.equal('bad-field');
            // nothing was kept
            const [, joined] = await joinWith({ standing: true });
            expect(joined.standingOffers).to.deep.equal({});
          });

          if (mode === 'single') {
            it('counts a standing offer in the bytes held', async () => {
              const before = server.stats().heldBytes;
              await standing(1);
              expect(server.stats().heldBytes - before).to.equal(STANDING.sdp.length);
            });
          }
        });

        it('refuses a join whose offerer is not a boolean with bad-field, and admits nothing', async () => {
          const client = await connect();
          client.send('rtc:join', { pool: 'lobby', offerer: 'yes' });
          expect(await client.nextError()).to.equal('bad-field');
          expect(await members('lobby')).to.equal(null);
        });

        it('refuses a second join with already-joined and keeps the first membership', async () => {
          const [a, b] = await pair('one');
          a.send('rtc:join', { pool: 'two' });
          expect(await a.nextError()).to.equal('already-joined');
          expect((await members('one'))!.map((m) => m.id)).to.have.members([a.id, b.id]);
          expect(await members('two')).to.equal(null);
        });

        it('creates pools on join by default and removes them when the last member leaves', async () => {
          const a = await join('temporary');
          expect((await pools()).map((p) => p.id)).to.deep.equal(['temporary']);
          await a.close();
          await waitFor(async () => (await pools()).length === 0);
        });
      });

      describe('relay', () => {
        beforeEach(() => start());

        it('relays rtc:sdp to the target with the sender set by the server, ignoring a spoofed peer field', async () => {
          const [a, b] = await pair();
          b.send('rtc:sdp', { to: a.id, description: OFFER, peer: 'spoofed' });
          expect(await a.next('rtc:sdp')).to.deep.equal({ peer: b.id, description: OFFER });
        });

        it('relays rtc:candidate with from set by the server, ignoring the from a 3.x client sends', async () => {
          const [a, b] = await pair();
          a.send('rtc:candidate', { for: b.id, from: 'spoofed', candidate: CANDIDATE });
          expect(await b.next('rtc:candidate')).to.deep.equal({ from: a.id, candidate: CANDIDATE });
        });

        it('relays the null end-of-candidates marker', async () => {
          const [a, b] = await pair();
          a.send('rtc:candidate', { for: b.id, candidate: null });
          expect(await b.next('rtc:candidate')).to.deep.equal({ from: a.id, candidate: null });
        });

        it('relays a rollback description, which carries no sdp', async () => {
          const [a, b] = await pair();
          a.send('rtc:sdp', { to: b.id, description: { type: 'rollback' } });
          expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: { type: 'rollback' } });
        });

        it('keeps two pools apart: a member of one cannot reach a member of the other', async () => {
          const a = await join('red');
          const b = await join('blue');
          a.send('rtc:sdp', { to: b.id, description: OFFER });
          expect(await a.nextError()).to.equal('unknown-peer');
          a.send('rtc:candidate', { for: b.id, candidate: CANDIDATE });
          expect(await a.nextError()).to.equal('unknown-peer');
          await b.expectSilence();
        });

        it('refuses signalling to a peer id nobody has', async () => {
          const [a, b] = await pair();
          a.send('rtc:sdp', { to: 'nobody', description: OFFER });
          expect(await a.nextError()).to.equal('unknown-peer');
          await b.expectSilence();
        });

        it('refuses signalling to oneself', async () => {
          const [a] = await pair();
          a.send('rtc:sdp', { to: a.id, description: OFFER });
          expect(await a.nextError()).to.equal('unknown-peer');
        });

        it('refuses signalling before joining with not-joined', async () => {
          const [a] = await pair();
          const outsider = await connect();
          outsider.send('rtc:sdp', { to: a.id, description: OFFER });
          expect(await outsider.nextError()).to.equal('not-joined');
          await a.expectSilence();
        });
      });

      describe('leaving', () => {
        beforeEach(() => start());

        it('sends rtc:close with id and uid to the others when a member closes its socket', async () => {
          const a = await join('p');
          const b = await join('p');
          const c = await join('p');
          await a.next('rtc:peer');
          await a.next('rtc:peer');
          await b.next('rtc:peer');
          await c.close();
          expect(await a.next('rtc:close')).to.deep.equal({ id: c.id, uid: c.id });
          expect(await b.next('rtc:close')).to.deep.equal({ id: c.id, uid: c.id });
        });

        it('sends rtc:close when a socket drops without a close frame', async () => {
          const [a, b] = await pair();
          b.socket.terminate();
          expect(await a.next('rtc:close')).to.deep.equal({ id: b.id, uid: b.id });
        });
      });

      describe('heartbeat', () => {
        it('drops a socket that stops answering pings, and reports it closed to its pool', async () => {
          await start({ heartbeatIntervalMs: 50 });
          const a = await join('p');
          const [silent] = await joinedAt(url(), 'p', { autoPong: false });
          await a.next('rtc:peer');
          expect(await a.next('rtc:close')).to.deep.equal({ id: silent.id, uid: silent.id });
          await a.expectSilence();
        });
      });

      describe('stop', () => {
        beforeEach(() => start());

        it('sends rtc:stop to every member and removes the pool; the members may join again', async () => {
          const [a, b] = await pair('doomed');
          const other = await join('other');
          expect(await stop('doomed')).to.equal(true);
          expect(await a.next('rtc:stop')).to.deep.equal({});
          expect(await b.next('rtc:stop')).to.deep.equal({});
          expect((await pools()).map((p) => p.id)).to.deep.equal(['other']);
          await other.expectSilence();
          a.send('rtc:join', { pool: 'again' });
          expect((await a.next('rtc:joined')).pool).to.equal('again');
        });

        it('answers false for a pool that does not exist', async () => {
          expect(await stop('nothing')).to.equal(false);
        });
      });

      describe('descriptions', () => {
        it('gives a member the description its authenticate hook returned, in the others\' rtc:joined', async () => {
          await start({
            authenticate: (request) => ({ description: { name: new URL(request.url!, 'http://x').searchParams.get('name') } }),
          });
          const [a] = await joinedAt(`${url()}?name=ada`, 'p');
          const [b, joined] = await joinedAt(`${url()}?name=bob`, 'p');
          expect(joined.descriptions).to.deep.equal({ [a.id]: { name: 'ada' } });
          expect(await a.next('rtc:peer')).to.deep.equal({ id: b.id, description: { name: 'bob' } });
          expect(await members('p')).to.deep.include({ id: b.id, description: { name: 'bob' } });
        });

        it('describe() sends rtc:describe with id and uid to the rest of the pool, and later joiners see it', async () => {
          await start();
          const [a, b] = await pair();
          expect(nodeOf.get(a)!.describe(a.id, { role: 'host' })).to.equal(true);
          expect(await b.next('rtc:describe')).to.deep.equal({ id: a.id, uid: a.id, description: { role: 'host' } });
          await a.expectSilence();
          const [, joined] = await joinedAt(url(), 'p');
          expect((joined.descriptions as Record<string, unknown>)[a.id]).to.deep.equal({ role: 'host' });
        });

        it('describe() answers false for an unknown client', async () => {
          await start();
          expect(server.describe('nobody', {})).to.equal(false);
        });

        it('ignores a description a client tries to set for itself', async () => {
          await start();
          const [a, b] = await pair();
          a.send('rtc:describe', { id: a.id, description: { admin: true } });
          expect(await a.nextError()).to.equal('unknown-type');
          await b.expectSilence();
          expect(await members('p')).to.deep.include({ id: a.id, description: null });
        });
      });

      describe('authentication and origins', () => {
        it('answers HTTP 401 before the upgrade when authenticate returns false', async () => {
          await start({ authenticate: () => false });
          expect(await refusedStatus(server.url)).to.equal(401);
        });

        it('answers HTTP 401 when authenticate throws or rejects', async () => {
          await start({ authenticate: () => Promise.reject(new Error('database down')) });
          expect(await refusedStatus(server.url)).to.equal(401);
        });

        it('accepts an async authenticate hook', async () => {
          await start({ authenticate: async () => ({ description: { ok: 1 } }) });
          const a = await join('p');
          expect(await members('p')).to.deep.equal([{ id: a.id, description: { ok: 1 } }]);
        });

        it('answers HTTP 403 to an origin outside the allow-list and accepts one inside it', async () => {
          await start({ origins: ['http://good.example'] });
          expect(await refusedStatus(server.url, { origin: 'http://evil.example' })).to.equal(403);
          const at = url();
          track(await WsTestClient.connect(at, { origin: 'http://good.example' }), at);
        });

        it('answers HTTP 404 to an upgrade on another path', async () => {
          await start({ path: '/signal' });
          expect(await refusedStatus(server.url.replace('/signal', '/other'))).to.equal(404);
        });
      });

      describe('private pools', () => {
        beforeEach(() => start({ privatePools: true }));

        it('refuses to join a pool the application did not create', async () => {
          const client = await connect();
          client.send('rtc:join', { pool: 'secret' });
          expect(await client.nextError()).to.equal('pool-not-found');
          expect(await pools()).to.deep.equal([]);
        });

        it('lets members join a pool created with createPool(), which stays when empty', async () => {
          expect(await createPool('secret')).to.equal(true);
          const a = await join('secret');
          await a.close();
          await waitFor(async () => (await members('secret'))?.length === 0);
          expect(await pools()).to.deep.equal([{ id: 'secret', created: true, members: [] }]);
        });
      });

      describe('limits', () => {
        it('answers frame-too-large for a frame over maxFrameBytes, and keeps the socket', async () => {
          await start({ limits: { maxFrameBytes: 1024 } });
          const [a, b] = await pair();
          a.send('rtc:sdp', { to: b.id, description: { type: 'offer', sdp: 'x'.repeat(2048) } });
          expect(await a.nextError()).to.equal('frame-too-large');
          await b.expectSilence();
          a.send('rtc:sdp', { to: b.id, description: OFFER });
          expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
        });

        it('answers pool-full when a pool holds maxMembersPerPool members', async () => {
          await start({ limits: { maxMembersPerPool: 2 } });
          await pair('small');
          const third = await connect();
          third.send('rtc:join', { pool: 'small' });
          expect(await third.nextError()).to.equal('pool-full');
          expect(await members('small')).to.have.length(2);
        });

        it('answers too-many-pools when the server holds maxPools pools', async () => {
          await start({ limits: { maxPools: 1 } });
          await join('first');
          const client = await connect();
          client.send('rtc:join', { pool: 'second' });
          expect(await client.nextError()).to.equal('too-many-pools');
          expect(await createPool('third')).to.equal(false);
          expect(await pools()).to.have.length(1);
        });

        it('answers rate-limited once when a socket exceeds its burst, and drops the excess', async () => {
          await start({ limits: { messagesPerSecond: 1, messageBurst: 5 } });
          const [a, b] = await pair();
          for (let i = 0; i < 10; i += 1) a.send('rtc:candidate', { for: b.id, candidate: CANDIDATE });
          // the join took one token of a's burst
          for (let i = 0; i < 4; i += 1) await b.next('rtc:candidate');
          await b.expectSilence();
          expect(await a.nextError()).to.equal('rate-limited');
          await a.expectSilence();
        });
      });

      describe('malformed frames', () => {
        let a: WsTestClient;
        let b: WsTestClient;
        beforeEach(async () => {
          await start();
          [a, b] = await pair();
        });
        afterEach(async () => {
          // whatever the bad frame was, nothing else changed: the pool is intact and relays work
          expect((await members('p'))!.map((m) => m.id)).to.have.members([a.id, b.id]);
          await b.expectSilence();
          a.send('rtc:sdp', { to: b.id, description: OFFER });
          expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: OFFER });
        });

        const cases: Array<[string, () => string | Buffer, string, boolean?]> = [
          ['text that is not JSON', () => '{"type": "rtc:join",', 'bad-json'],
          ['a JSON array', () => '[1, 2]', 'bad-frame'],
          ['a JSON string', () => '"rtc:join"', 'bad-frame'],
          ['a JSON number', () => '42', 'bad-frame'],
          ['JSON null', () => 'null', 'bad-frame'],
          ['an event with no type', () => JSON.stringify({ data: {} }), 'bad-frame'],
          ['an event whose type is not a string', () => JSON.stringify({ type: 7, data: {} }), 'bad-frame'],
          ['an event whose data is not an object', () => JSON.stringify({ type: 'rtc:join', data: 'lobby' }), 'bad-frame'],
          ['an event whose data is an array', () => JSON.stringify({ type: 'rtc:join', data: [] }), 'bad-frame'],
          ['a binary frame', () => Buffer.from('{"type":"rtc:join","data":{"pool":"x"}}'), 'bad-frame', true],
          ['an unknown rtc: type', () => JSON.stringify({ type: 'rtc:hack', data: {} }), 'unknown-type'],
          ['a server-only type sent by a client', () => JSON.stringify({ type: 'rtc:joined', data: {} }), 'unknown-type'],
          ['rtc:join with no pool', () => JSON.stringify({ type: 'rtc:join', data: {} }), 'bad-field'],
          ['rtc:join with a pool that is not a string', () => JSON.stringify({ type: 'rtc:join', data: { pool: 1 } }), 'bad-field'],
          ['rtc:join with an empty pool name', () => JSON.stringify({ type: 'rtc:join', data: { pool: '' } }), 'bad-field'],
          ['rtc:join with an over-long pool name', () => JSON.stringify({ type: 'rtc:join', data: { pool: 'x'.repeat(300) } }), 'bad-field'],
          ['rtc:sdp with no target', () => JSON.stringify({ type: 'rtc:sdp', data: { description: OFFER } }), 'bad-field'],
          ['rtc:sdp with a target that is not a string', () => JSON.stringify({ type: 'rtc:sdp', data: { to: {}, description: OFFER } }), 'bad-field'],
          ['rtc:sdp with no description', () => JSON.stringify({ type: 'rtc:sdp', data: { to: 'x' } }), 'bad-field'],
          ['rtc:sdp with an unknown description type', () => JSON.stringify({ type: 'rtc:sdp', data: { to: 'x', description: { type: 'hello', sdp: '' } } }), 'bad-field'],
          ['rtc:sdp with an offer that has no sdp', () => JSON.stringify({ type: 'rtc:sdp', data: { to: 'x', description: { type: 'offer' } } }), 'bad-field'],
          ['rtc:candidate with no target', () => JSON.stringify({ type: 'rtc:candidate', data: { candidate: CANDIDATE } }), 'bad-field'],
          ['rtc:candidate with no candidate', () => JSON.stringify({ type: 'rtc:candidate', data: { for: 'x' } }), 'bad-field'],
          ['rtc:candidate whose candidate is a string', () => JSON.stringify({ type: 'rtc:candidate', data: { for: 'x', candidate: 'c' } }), 'bad-field'],
          ['rtc:candidate with a wrongly typed sdpMLineIndex', () => JSON.stringify({ type: 'rtc:candidate', data: { for: 'x', candidate: { candidate: '', sdpMLineIndex: 'zero' } } }), 'bad-field'],
        ];
        for (const [what, frame, reason, binary] of cases) {
          it(`answers ${reason} to ${what}`, async () => {
            a.sendRaw(frame(), binary ?? false);
            expect(await a.nextError()).to.equal(reason);
          });
        }

        it('ignores an event whose type does not start with rtc:, without a reply', async () => {
          a.send('chat', { text: 'hello' });
          await a.expectSilence();
        });
      });

      describe('application interface', () => {
        it('emits join and leave, and lists pools and members', async () => {
          await start();
          const seen: string[] = [];
          for (const node of nodes) {
            node.on('join', (event: MembershipEvent) => seen.push(`join ${event.pool} ${event.member.id}`));
            node.on('leave', (event: MembershipEvent) => seen.push(`leave ${event.pool} ${event.member.id}`));
          }
          const [a, b] = await pair('room');
          expect(await pools()).to.deep.equal([
            { id: 'room', created: false, members: [{ id: a.id, description: null }, { id: b.id, description: null }] },
          ]);
          await b.close();
          await waitFor(() => seen.length === 3);
          expect(seen).to.deep.equal([`join room ${a.id}`, `join room ${b.id}`, `leave room ${b.id}`]);
        });

        // these concern one process's own HTTP server and sockets: nothing of them is shared
        if (mode === 'cluster') return;

        it('runs on an existing http.Server at a configured path, next to its ordinary routes', async () => {
          const http: Server = createServer((_req, res) => res.end('app'));
          await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
          server = await createSignallingServer({ server: http, path: '/rtc' });
          nodes = [server];
          expect(server.url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/rtc$/);
          const a = await join('p');
          expect(a.id).to.be.a('string');
          const body = await (await fetch(server.url.replace('ws:', 'http:').replace('/rtc', '/'))).text();
          expect(body).to.equal('app');
          await server.close();
          expect(http.listening).to.equal(true);
          http.close();
        });

        it('close() disconnects every client', async () => {
          await start();
          const a = await join('p');
          const closed = new Promise((resolve) => a.socket.once('close', resolve));
          await server.close();
          await closed;
          expect(a.socket.readyState).to.equal(WebSocket.CLOSED);
        });
      });
    });
  }
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
