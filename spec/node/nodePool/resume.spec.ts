import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, take, timeout, type Observable } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type ManagedConnection, type RtcPoolError } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer, type SignallingServer } from '../../../src/server';

const MESH_TIMEOUT_MS = 15_000;
/** The resume key both servers share: members resume their places across the restart. */
const SECRET = 'node-resume-secret';
/** Long enough that members resume well inside it, on a busy machine. */
const GRACE_MS = 10_000;

/** A signalling server on an HTTP server of its own, that can be stopped and started again on the same port. */
interface Running {
  readonly http: Server;
  readonly server: SignallingServer;
}

async function start(port = 0): Promise<Running> {
  const http = createServer();
  const server = await createSignallingServer({ server: http, path: '/signal', resume: { secret: SECRET, graceMs: GRACE_MS } });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  return { http, server };
}

/** Stops it as a crash or a redeploy would: every socket dropped, the port closed. */
async function stop({ http, server }: Running): Promise<void> {
  await server.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
}

/**
 * Resolves with the pool's connections once it has `count` and every one is connected. A channel
 * is opened only then: a connection whose set-up dies is rebuilt by the pool, and a channel asked
 * of the one that died closes with it.
 */
async function connected(pool: Pool, count: number): Promise<ManagedConnection[]> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  while (pool.connections.length !== count || pool.connections.some((connection) => connection.state !== 'connected')) {
    if (Date.now() > deadline) throw new Error(`not meshed: ${pool.connections.map((connection) => connection.state).join(', ')} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return pool.connections;
}

const until = <T>(state$: Observable<T>, value: T): Promise<T> =>
  firstValueFrom(state$.pipe(filter((state) => state === value), take(1), timeout(MESH_TIMEOUT_MS)));

const nextMessage = (channel: RTCDataChannel): Promise<string> =>
  new Promise((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));

describe('Pool in Node (rtcpool/node) through a server restart', function () {
  this.timeout(60_000);
  let running: Running | null = null;
  const pools: Pool[] = [];
  const errors: RtcPoolError[] = [];
  const nodePool = (url: string): Pool => {
    const pool = new Pool({ iceServers: [] }, new signalling.websocket(url, { WebSocket }), { RTCPeerConnection });
    pool.errors$.subscribe((error) => errors.push(error));
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    errors.splice(0);
    if (running) await stop(running);
    running = null;
  });

  it('resumes both Node pools with their ids on a server started again with the same secret; their connection and channel keep carrying messages', async () => {
    running = await start();
    const { port } = running.http.address() as AddressInfo;
    const url = running.server.url;
    const [a, b] = [nodePool(url), nodePool(url)];
    await a.join('restart');
    await b.join('restart');
    const [ab] = await connected(a, 1);
    const [ba] = await connected(b, 1);
    const incoming = firstValueFrom(b.dataChannels$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
    const channel = await ab!.dataChannel('through-restart');
    const remote = (await incoming).event.channel;
    const ids = [a.id, b.id];
    let closes = 0;
    for (const pool of [a, b]) pool.peerLeft$.subscribe(() => (closes += 1));

    const away = [a, b].map((pool) => until(pool.state$, 'reconnecting'));
    await stop(running);
    running = null;
    await Promise.all(away);
    // while the server is down, the peer connection still carries data
    const heardWhileDown = nextMessage(remote);
    channel.send('while down');
    expect(await heardWhileDown).to.equal('while down');

    running = await start(port);
    await Promise.all([a, b].map((pool) => until(pool.state$, 'joined')));
    expect([a.id, b.id]).to.deep.equal(ids);
    expect(a.connections).to.deep.equal([ab]);
    expect(b.connections).to.deep.equal([ba]);
    expect(closes).to.equal(0);
    expect(channel.readyState).to.equal('open');
    const heard = nextMessage(remote);
    channel.send('after restart');
    expect(await heard).to.equal('after restart');
    const back = nextMessage(channel);
    remote.send('and back');
    expect(await back).to.equal('and back');

    // signalling works again: a newcomer meshes with both resumed pools
    const c = nodePool(running.server.url);
    await c.join('restart');
    const toResumed = await connected(c, 2);
    expect(toResumed.map((connection) => connection.id)).to.have.members(ids);
    await Promise.all([connected(a, 2), connected(b, 2)]);
    for (const connection of toResumed) {
      const arrived = firstValueFrom((connection.id === a.id ? a : b).dataChannels$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
      const fresh = await connection.dataChannel('newcomer').catch((error: unknown) => {
        throw new Error(`${String(error)}; the pools reported: ${errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`);
      });
      const other = (await arrived).event.channel;
      const echoed = nextMessage(other);
      fresh.send(`hello ${connection.id}`);
      expect(await echoed).to.equal(`hello ${connection.id}`);
    }
    expect(errors.map((error) => `${error.code}: ${error.message}`)).to.deep.equal([]);
  });
});
