// A karma framework plugin: lets browser specs start Node.js peers (spec/support/nodePeerProcess.ts,
// rtcpool/node on node-datachannel), which a page cannot spawn itself. It listens on a port of its
// own on 127.0.0.1 and hands its URL to the page as `__karma__.config.nodePeerControlUrl`.
// None of this is in the product.
//   POST /control/node/start?url=WS_URL&pool=P   start a Node peer joining pool P through the
//                                                signalling server at WS_URL; answers once it
//                                                has joined -> { pid, id }
//   POST /control/node/start?…&channel=LABEL     the same, and it makes the pool channel LABEL
//   POST /control/node/pause?pid=PID             freeze it (SIGSTOP): it reads and acknowledges nothing
//   POST /control/node/resume?pid=PID            let it run again (SIGCONT)
//   POST /control/node/stop?pid=PID              stop it (SIGTERM: it closes its pool and must
//                                                then end by itself) -> { code, signal, killed,
//                                                output }; `killed` when it had to be SIGKILLed
// Every Node peer still running when karma exits is stopped by its pid.
const { spawn } = require('node:child_process');
const { createServer } = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(__dirname, 'nodePeerProcess.ts');
/** How long a Node peer may take to start and join before the start request fails. */
const JOIN_TIMEOUT_MS = 30_000;
/** How long a stopped Node peer may take to end by itself before it is killed. */
const EXIT_TIMEOUT_MS = 5_000;

/** The Node peers, by pid. */
const peers = new Map();

/** Starts a Node peer; resolves with it once it printed its id, rejects if it never joins. */
function startPeer(url, pool, channel) {
  const args = ['--import', 'tsx', SCRIPT, '--url', url, '--pool', pool, ...(channel ? ['--channel', channel] : [])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const peer = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  peers.set(String(child.pid), peer);
  child.stderr.on('data', (chunk) => (peer.output += chunk));
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`the Node peer did not join within ${JOIN_TIMEOUT_MS} ms:\n${peer.output}`)), JOIN_TIMEOUT_MS);
    const fail = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopPeer(String(child.pid)).finally(() => reject(error));
    };
    let pending = '';
    child.stdout.on('data', (chunk) => {
      peer.output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const joined = /^\{"joined":"([^"]+)"\}$/.exec(line.trim());
        if (joined && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve({ pid: child.pid, id: joined[1] });
        }
      }
    });
    child.once('error', fail);
    void peer.exited.then(({ code, signal }) => fail(new Error(`the Node peer ended (${code ?? signal}) before it joined:\n${peer.output}`)));
  });
}

/** Stops a Node peer by pid: SIGTERM, then SIGKILL if it does not end by itself in time. */
async function stopPeer(pid) {
  const peer = peers.get(pid);
  if (!peer) return null;
  peers.delete(pid);
  let killed = false;
  if (peer.child.exitCode === null && peer.child.signalCode === null) {
    // a frozen peer would hold the SIGTERM until it runs again
    peer.child.kill('SIGCONT');
    peer.child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    killed = true;
    peer.child.kill('SIGKILL');
  }, EXIT_TIMEOUT_MS);
  const { code, signal } = await peer.exited;
  clearTimeout(timer);
  return { code, signal, killed, output: peer.output };
}

async function control(request, response) {
  const url = new URL(request.url, 'http://localhost');
  const param = (name) => url.searchParams.get(name);
  const json = (value) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  response.setHeader('access-control-allow-origin', '*');
  if (request.method === 'OPTIONS') return response.writeHead(204, { 'access-control-allow-methods': 'POST' }).end();
  switch (`${request.method} ${url.pathname}`) {
    case 'POST /control/node/start': {
      const target = param('url');
      const pool = param('pool');
      if (!target || !/^wss?:\/\/127\.0\.0\.1[:/]/.test(target) || !pool) return response.writeHead(400).end('url (ws://127.0.0.1…) and pool');
      return json(await startPeer(target, pool, param('channel')));
    }
    case 'POST /control/node/pause':
    case 'POST /control/node/resume': {
      const peer = peers.get(param('pid'));
      if (!peer) return response.writeHead(404).end('no such Node peer');
      return json(peer.child.kill(url.pathname.endsWith('pause') ? 'SIGSTOP' : 'SIGCONT'));
    }
    case 'POST /control/node/stop':
      return json(await stopPeer(param('pid')));
    default:
      return response.writeHead(404).end();
  }
}

function nodePeerFramework(config, emitter) {
  const http = createServer((request, response) => {
    control(request, response).catch((error) => response.writeHead(500).end(String(error && error.message)));
  });
  emitter.on('exit', (done) => {
    Promise.all([...peers.keys()].map((pid) => stopPeer(pid).catch(() => undefined))).then(() => {
      // a page's keep-alive socket must not hold karma open
      http.closeAllConnections();
      http.close(() => done());
    });
  });
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () => {
      config.client.nodePeerControlUrl = `http://127.0.0.1:${http.address().port}/control/node`;
      resolve();
    });
  });
}
nodePeerFramework.$inject = ['config', 'emitter'];

module.exports = { 'framework:rtcpool-node-peer': ['factory', nodePeerFramework] };
