import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { echoBot } from '../../../examples/echo-bot';
import { Pool, RtcPoolError, signalling, type ManagedConnection } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer, type SignallingServer } from '../../../src/server';

const MESH_TIMEOUT_MS = 15_000;

const connected = (pool: Pool, count: number): Promise<ManagedConnection[]> =>
  firstValueFrom(pool.connections$.pipe(filter((list) => list.length === count), take(1), timeout(MESH_TIMEOUT_MS)));

describe('Pool in Node (rtcpool/node)', function () {
  this.timeout(30_000);
  let server: SignallingServer;
  const pools: Pool[] = [];
  const nodePool = (): Pool => {
    const pool = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection });
    pools.push(pool);
    return pool;
  };
  beforeEach(async () => {
    server = await createSignallingServer();
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    await server.close();
  });

  it('fails at once with unsupported, saying what to pass, where there is no RTCPeerConnection', () => {
    expect(() => new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket, reconnect: false })))
      .to.throw(RtcPoolError, /pass \{ RTCPeerConnection \}/)
      .with.property('code', 'unsupported');
  });

  it('meshes two Node pools over the real server, and their channels carry messages both ways', async () => {
    const [a, b] = [nodePool(), nodePool()];
    await a.join('node-mesh');
    await b.join('node-mesh');
    const [ab] = await connected(a, 1);
    const [ba] = await connected(b, 1);
    const incoming = firstValueFrom(b.dataChannels$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
    const channel = await ab!.dataChannel('chat');
    const { event } = await incoming;
    const heard = new Promise<string>((resolve) => event.channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));
    channel.send('from a');
    expect(await heard).to.equal('from a');
    const back = new Promise<string>((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));
    event.channel.send('from b');
    expect(await back).to.equal('from b');
    expect(ba!.id).to.equal(a.id);
  });

  it('runs the echo bot as the README shows it', async () => {
    const bot = await echoBot(server.url, 'echo');
    pools.push(bot);
    const visitor = nodePool();
    await visitor.join('echo');
    const [toBot] = await connected(visitor, 1);
    const channel = await toBot!.dataChannel('talk');
    const echoed = new Promise<string>((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));
    channel.send('hello bot');
    expect(await echoed).to.equal('hello bot');
  });

  it('lets the process exit by itself after close(): no socket, timer or native handle is left', async () => {
    const script = `
      const { WebSocket } = require('ws');
      const { Pool, signalling } = require('./src');
      const { RTCPeerConnection } = require('./src/node');
      const { createSignallingServer } = require('./src/server');
      const { filter, firstValueFrom, take } = require('rxjs');
      (async () => {
        const server = await createSignallingServer();
        const make = () => new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection });
        const [a, b] = [make(), make()];
        await a.join('exit');
        await b.join('exit');
        const [connection] = await firstValueFrom(a.connections$.pipe(filter((list) => list.length === 1), take(1)));
        await connection.dataChannel('x');
        a.close();
        b.close();
        await server.close();
        console.log('closed');
      })();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.stderr.on('data', (chunk) => (out += String(chunk)));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    expect(out).to.contain('closed');
    expect(code, `the child did not exit by itself:\n${out}`).to.equal(0);
  });
});
