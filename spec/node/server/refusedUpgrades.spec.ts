import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ServerStats } from '../../../src/server';
import type { SignallingServerOptions } from '../../../src/server/options';
import { REFUSED_UPGRADE_LINGER_MS } from '../../../src/server/refusedUpgrades';

const UPGRADE_HEADERS = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
/**
 * What a busy machine may add to the linger before the server's timer runs and the spec's next
 * poll sees it: the linger is the bound under test, this only absorbs scheduling.
 */
const SCHEDULING_SLACK_MS = 750;

/** A server process of the refusingServer fixture, with what it reported at start. */
interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

async function startServer(options: SignallingServerOptions): Promise<ServerProcess> {
  const child = fork(join(__dirname, 'fixtures', 'refusingServer.ts'), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve));
  return { child, port };
}

function statsOf(child: ChildProcess): Promise<ServerStats> {
  return new Promise((resolve) => {
    const onMessage = (message: { stats?: ServerStats }): void => {
      if (!message.stats) return;
      child.off('message', onMessage);
      resolve(message.stats);
    };
    child.on('message', onMessage);
    child.send({ stats: true });
  });
}

/**
 * TCP sockets the process `pid` holds open on local port `port`, the listening one aside: the
 * file descriptors it has (/proc/pid/fd) among the connections on that port (/proc/pid/net/tcp).
 */
function heldTcpSockets(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed while we looked
    }
  }
  const localPort = port.toString(16).toUpperCase().padStart(4, '0');
  let held = 0;
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [, local, , state] = fields;
    // 0A is LISTEN
    if (local!.endsWith(`:${localPort}`) && state !== '0A' && inodes.has(fields[9]!)) held += 1;
  }
  return held;
}

/** A raw client that sends one upgrade request and never reads: what it is sent stays in its kernel. */
function neverReading(port: number, request: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(request);
      resolve(socket);
    });
  });
}

/** Starts reading at last: resolves with what the client was sent, once the server has closed it. */
function readToEnd(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the server did not close the socket: ${JSON.stringify(text)}`)), 2_000);
    socket.on('data', (chunk) => {
      text += String(chunk);
    });
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.resume();
  });
}

const upgrade = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}${headers}\r\n`;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SignallingServer: refused upgrades from clients that never read', () => {
  let server: ServerProcess | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    const child = server?.child;
    server = null;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });

  it(`releases all 200 sockets of upgrades an authenticate hook never settles (503) within REFUSED_UPGRADE_LINGER_MS (${REFUSED_UPGRADE_LINGER_MS} ms), in the server's process and at each client`, async function () {
    this.timeout(30_000);
    server = await startServer({ authenticateTimeoutMs: 200 });
    const { child, port } = server;
    const COUNT = 200;
    for (let i = 0; i < COUNT; i += 1) sockets.push(await neverReading(port, upgrade('/')));
    let held = 0;
    await waitFor(
      'every upgrade answered 503',
      async () => {
        const stats = await statsOf(child);
        held = Math.max(held, stats.lingering);
        return stats.refusals['authenticate-timeout'] === COUNT;
      },
      10_000,
    );
    const answered = Date.now();
    // the clients do not read, so they never close: the server holds the sockets until the linger ends
    held = Math.max(held, (await statsOf(child)).lingering);
    expect(held, 'sockets held at once after their answer').to.be.greaterThan(0);
    await waitFor(
      'every socket released',
      async () => {
        const stats = await statsOf(child);
        return stats.lingering === 0 && stats.connections === 0 && heldTcpSockets(child.pid!, port) === 0;
      },
      REFUSED_UPGRADE_LINGER_MS + SCHEDULING_SLACK_MS,
    );
    expect(Date.now() - answered).to.be.at.most(REFUSED_UPGRADE_LINGER_MS + SCHEDULING_SLACK_MS);
    expect(await statsOf(child)).to.deep.include({ authenticating: 0, sockets: 0, lingering: 0, connections: 0 });
    // each client, reading at last, finds the answer and the server's close
    const answers = await Promise.all(sockets.map(readToEnd));
    expect(answers.filter((text) => text.startsWith('HTTP/1.1 503 Service Unavailable\r\n'))).to.have.length(COUNT);
  });

  it('releases them on every refusal path: 400, 401, 403, 404, 429 and 503, while upgrades still authenticating stay', async function () {
    this.timeout(30_000);
    server = await startServer({
      origins: ['https://app.example'],
      trustProxy: true,
      authenticateTimeoutMs: 60_000,
      limits: { maxConnectionsPerAddress: 1, maxConnections: 3 },
    });
    const { child, port } = server;
    const from = (address: string, extra = ''): string => `X-Forwarded-For: ${address}\r\n${extra}`;
    /** Waits until no refused socket is held any more, within the linger of the last refusal. */
    const released = async (answered: number, authenticating: number): Promise<void> => {
      await waitFor(
        'every refused socket released',
        async () => (await statsOf(child)).lingering === 0 && heldTcpSockets(child.pid!, port) === authenticating,
        REFUSED_UPGRADE_LINGER_MS + SCHEDULING_SLACK_MS,
      );
      expect(Date.now() - answered).to.be.at.most(REFUSED_UPGRADE_LINGER_MS + SCHEDULING_SLACK_MS);
      expect(await statsOf(child)).to.deep.include({ authenticating, connections: authenticating, lingering: 0 });
    };
    // the hook refuses (401): its socket counts as a connection until it is released
    const refused: [number, Socket][] = [[401, await neverReading(port, upgrade('/', from('10.0.0.8', 'X-Auth: no\r\n')))]];
    await waitFor('the 401', async () => (await statsOf(child)).refusals.unauthenticated === 1, 5_000);
    await released(Date.now(), 0);
    // upgrades left waiting for the hook fill the address 10.0.0.1, then the server
    const hang = async (address: string): Promise<void> => {
      sockets.push(await neverReading(port, upgrade('/', from(address))));
      await waitFor(`${address} authenticating`, async () => (await statsOf(child)).connections === sockets.length, 5_000);
    };
    await hang('10.0.0.1');
    await hang('10.0.0.2');
    refused.push(
      [400, await neverReading(port, upgrade('//', from('10.0.0.9')))],
      [404, await neverReading(port, upgrade('/elsewhere', from('10.0.0.9')))],
      [403, await neverReading(port, upgrade('/', from('10.0.0.9', 'Origin: https://evil.example\r\n')))],
      [429, await neverReading(port, upgrade('/', from('10.0.0.1')))],
    );
    await hang('10.0.0.3');
    refused.push([503, await neverReading(port, upgrade('/', from('10.0.0.9')))]);
    await waitFor(
      'the rest counted (a 404 is not: on a shared server the path may be another handler\'s)',
      async () => {
        const { refusals } = await statsOf(child);
        return refusals['bad-url'] === 1 && refusals.origin === 1 && refusals['connections-per-address'] === 1 && refusals.connections === 1;
      },
      5_000,
    );
    await released(Date.now(), 3);
    for (const [status, socket] of refused) {
      sockets.push(socket);
      expect(await readToEnd(socket)).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
    }
  });
});
