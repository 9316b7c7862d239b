import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { filter, firstValueFrom, map, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling } from '../../src';
import { RTCPeerConnection } from '../../src/node';

/** How long `scripts/start.ts` may take to listen and have its bot join (tsx compiles first). */
const START_TIMEOUT_MS = 30_000;
const MESH_TIMEOUT_MS = 15_000;
/** How long it may take to end after SIGTERM. */
const EXIT_TIMEOUT_MS = 10_000;

/** `npm start`'s script, running. */
interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly origin: string;
  readonly out: () => string;
}

/** Runs scripts/start.ts with `args`; resolves once its output matches `ready`. */
function start(args: readonly string[], ready: RegExp): Promise<Started> {
  // a process group of its own: if it must be killed, its server goes with it
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += String(chunk)));
  child.stderr!.on('data', (chunk) => (out += String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // nobody else knows its pid yet: stop it here
      killGroup(child);
      reject(new Error(`not ready in time:\n${out}`));
    }, START_TIMEOUT_MS);
    const check = (): void => {
      const listening = /listening on (http:\/\/\S+?)\/? \(signalling at (ws:\/\/\S+?)\)/.exec(out);
      if (!listening || !ready.test(out)) return;
      clearTimeout(timer);
      resolve({ child, url: listening[2]!, origin: listening[1]!, out: () => out });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`it ended (${code}) before it was ready:\n${out}`));
    });
  });
}

/** Kills the process and its server (its process group). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Sends SIGTERM to the pid (the script alone: it must stop its server itself); resolves with the exit code, or null if it had to be killed. */
function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      killGroup(child);
      resolve(null);
    }, EXIT_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    process.kill(child.pid!, 'SIGTERM');
  });
}

/** Whether anything still answers HTTP at `origin`. */
function answers(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const asking = request(`${origin}/`, () => resolve(true));
    asking.once('error', () => resolve(false));
    asking.end();
  });
}

/** Resolves once `check()` holds; rejects after MESH_TIMEOUT_MS. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const nextMessage = (channel: RTCDataChannel): Promise<string> =>
  new Promise((resolve) => channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }));

describe('npm start (scripts/start.ts)', function () {
  this.timeout(60_000);
  let started: Started | null = null;
  const pools: Pool[] = [];
  const visitor = (url: string): Pool => {
    const pool = new Pool({ iceServers: [] }, new signalling.websocket(url, { WebSocket }), { RTCPeerConnection });
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    if (started) await stop(started.child);
    started = null;
  });

  it('with --echo-bot, starts the server and the echo bot in the demo room: it echoes, and speaks in the demo chat', async () => {
    started = await start(['--echo-bot'], /echo bot joined room 'lobby' as (\S+)/);
    const botId = /echo bot joined room 'lobby' as (\S+)/.exec(started.out())![1];
    const pool = visitor(started.url);
    // the bot opens its 'chat' channel as soon as it meets us
    const shown: string[] = [];
    const botChat = firstValueFrom(
      pool.dataChannels$.pipe(
        filter(({ event }) => event.channel.label === 'chat'),
        take(1),
        map(({ event: { channel } }) => channel.addEventListener('message', ({ data }) => shown.push(String(data)))),
        timeout(MESH_TIMEOUT_MS),
      ),
    );
    await pool.join('lobby');
    const [bot] = await firstValueFrom(pool.connections$.pipe(filter((list) => list.length === 1), take(1), timeout(MESH_TIMEOUT_MS)));
    expect(bot!.id).to.equal(botId);
    expect(bot!.description).to.deep.equal({ name: 'echo-bot' });

    // examples/echo-bot.ts: every message comes back on its channel
    const talk = await bot!.dataChannel('talk');
    const echoed = nextMessage(talk);
    talk.send('hello bot');
    expect(await echoed).to.equal('hello bot');

    // the demo page shows what arrives on the 'chat' channel the bot opens to it
    const chat = await bot!.dataChannel('chat');
    await botChat;
    await until(() => shown.length === 1, 'the bot says hello in the chat');
    expect(shown[0]).to.contain('I echo whatever you say');
    chat.send('hi');
    await until(() => shown.length === 2, 'the echo in the chat');
    expect(shown[1]).to.equal('echo: hi');

    const { origin } = started;
    expect(await stop(started.child)).to.equal(0);
    started = null;
    expect(await answers(origin), 'the server ended with it').to.equal(false);
  });

  it('without --echo-bot, is the server alone, with the flags it was given', async () => {
    started = await start([], /listening on/);
    const pool = visitor(started.url);
    const joined = await pool.join('lobby');
    expect(joined.peers).to.deep.equal([]);
    expect(started.out()).to.not.contain('echo bot');
    expect(await stop(started.child)).to.equal(0);
    started = null;
  });
});
