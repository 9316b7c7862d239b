// A karma framework plugin: starts the real rtcpool signalling server on 127.0.0.1 before the
// browser starts, and hands its URL to the page as `__karma__.config.signallingUrl`.
//
// The same HTTP server answers test-only control requests, so browser specs can make a server
// do what an application, an operator or a bad network would. None of this is in the product.
//   POST /control/stop?pool=NAME                 server.stop(NAME)
//   POST /control/describe?id=ID  (JSON body)    server.describe(ID, description)
//   GET  /control/pools                          server.pools()
//   POST /control/servers  (JSON options)        start another signalling server -> { id, url }
//   POST /control/servers?count=1 (JSON options)  the same, counting what it relays (relayCounter.cjs)
//   GET  /control/servers/relays?id=ID            its relays per directed pair, { 'a>b': { offers, … } }
//   POST /control/servers/kill?id=ID&downMs=N[&secret=S]
//                                                kill it (every socket dropped, port closed), and
//                                                start it again on the same port N ms later
//   POST /control/remote/start?engine=E&pool=P   open the cross-engine specs' remote peer
//                                                (spec/support/remotePeer.ts) in a headless E
//                                                (firefox or chromium), joining pool P -> { pid }
//   POST /control/remote/stop?pid=PID            stop that browser (its process group)
//   GET  /control/remote, /control/remote.js     the remote peer's page and its bundle
//   POST /control/fault/drop?ports=P1,P2         drop UDP and TCP packets to and from those ports
//   POST /control/fault/clear                    let them through again
//   POST /control/proxy?delayMs=D[&server=ID][&plain=1]
//                                                a delaying proxy (delayingProxy.ts) in front of
//                                                spawned server ID (or the default one) -> { id, url }
//   POST /control/proxy/close?id=ID              stop that proxy
require('tsx/cjs');
const { execFile } = require('node:child_process');
const { createServer } = require('node:http');
const { createSignallingServer } = require('../../src/server/index.ts');
const { RelayCounter } = require('./relayCounter.cjs');
const { launchChromium, launchFirefox } = require('./browserProcess.cjs');
const { startDelayingProxy } = require('./delayingProxy.ts');

const FAULT_TABLE = 'rtcpool_fault';
const spawned = new Map();
/** The delaying proxies, by id. */
const proxies = new Map();
let proxyCount = 0;
/** The remote peers' browsers, by pid. */
const remotes = new Map();
let remoteBundle = null;

/** The remote peer's page script, bundled once (esbuild, as karma-esbuild bundles the specs). */
async function remoteScript() {
  remoteBundle ??= require('esbuild')
    .build({
      entryPoints: [require('node:path').join(__dirname, 'remotePeer.ts')],
      bundle: true,
      format: 'iife',
      target: 'es2022',
      write: false,
      tsconfig: require('node:path').join(__dirname, '../../tsconfig.json'),
      logLevel: 'silent',
    })
    .then((result) => result.outputFiles[0].text);
  return remoteBundle;
}

function readBody(request) {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
  });
}

function nft(script) {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (error, _stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve()));
    child.stdin.end(script);
  });
}

const clearFaults = () => nft(`table inet ${FAULT_TABLE}\ndelete table inet ${FAULT_TABLE}\n`);

function dropPorts(ports) {
  const set = ports.join(', ');
  return nft(`table inet ${FAULT_TABLE} {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto { tcp, udp } th sport { ${set} } drop
    meta l4proto { tcp, udp } th dport { ${set} } drop
  }
}
`);
}

/** A signalling server on an HTTP server of its own, that can be killed and started again. */
async function spawn(options, port = 0, counter = null) {
  const http = createServer();
  // before the server's own upgrade listener, so the counter sees the socket's first byte
  if (counter) http.on('upgrade', (_request, socket) => counter.watch(socket));
  const server = await createSignallingServer({ ...options, server: http, path: '/signal' });
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  return { http, server, options, counter };
}

async function kill(entry) {
  await entry.server.close();
  entry.http.closeAllConnections();
  await new Promise((resolve) => entry.http.close(resolve));
}

async function control(defaultServer, request, response) {
  const url = new URL(request.url, 'http://localhost');
  const param = (name) => url.searchParams.get(name);
  const json = (value) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  response.setHeader('access-control-allow-origin', '*');
  if (request.method === 'OPTIONS') return response.writeHead(204, { 'access-control-allow-methods': 'GET, POST' }).end();
  switch (`${request.method} ${url.pathname}`) {
    case 'POST /control/stop':
      return json(defaultServer.stop(param('pool')));
    case 'POST /control/describe':
      return json(defaultServer.describe(param('id'), JSON.parse((await readBody(request)) || 'null')));
    case 'GET /control/pools':
      return json(defaultServer.pools());
    case 'POST /control/servers': {
      const entry = await spawn(JSON.parse((await readBody(request)) || '{}'), 0, param('count') ? new RelayCounter() : null);
      const id = String(spawned.size + 1);
      spawned.set(id, entry);
      return json({ id, url: entry.server.url });
    }
    case 'GET /control/servers/relays': {
      const entry = spawned.get(param('id'));
      return entry && entry.counter ? json(entry.counter.report()) : response.writeHead(404).end();
    }
    case 'POST /control/servers/kill': {
      const entry = spawned.get(param('id'));
      const port = entry.server.address().port;
      await kill(entry);
      const secret = param('secret');
      const options = secret ? { ...entry.options, resume: { ...(entry.options.resume || {}), secret } } : entry.options;
      setTimeout(() => {
        void spawn(options, port, entry.counter).then((again) => spawned.set(param('id'), again));
      }, Number(param('downMs') || 0));
      return json(true);
    }
    case 'GET /control/remote':
      return response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/control/remote.js"></script>');
    case 'GET /control/remote.js':
      return response.writeHead(200, { 'content-type': 'text/javascript' }).end(await remoteScript());
    case 'POST /control/remote/start': {
      const engine = param('engine');
      if (engine !== 'firefox' && engine !== 'chromium') return response.writeHead(400).end('engine: firefox or chromium');
      await remoteScript();
      const page = `http://${request.headers.host}/control/remote?url=${encodeURIComponent(defaultServer.url)}&pool=${encodeURIComponent(param('pool'))}`;
      const browser = await (engine === 'firefox' ? launchFirefox : launchChromium)(page);
      remotes.set(String(browser.pid), browser);
      return json({ pid: browser.pid });
    }
    case 'POST /control/remote/stop': {
      const browser = remotes.get(param('pid'));
      remotes.delete(param('pid'));
      if (browser) await browser.stop();
      return json(Boolean(browser));
    }
    case 'POST /control/fault/drop':
      await dropPorts(param('ports').split(',').map(Number));
      return json(true);
    case 'POST /control/proxy': {
      const target = param('server') ? spawned.get(param('server')) : { server: defaultServer };
      if (!target) return response.writeHead(404).end('no such server');
      const proxy = await startDelayingProxy({ target: target.server.url, delayMs: Number(param('delayMs') || 0), plain: param('plain') === '1' });
      const id = String((proxyCount += 1));
      proxies.set(id, proxy);
      return json({ id, url: proxy.url });
    }
    case 'POST /control/proxy/close': {
      const proxy = proxies.get(param('id'));
      proxies.delete(param('id'));
      if (proxy) await proxy.close();
      return json(Boolean(proxy));
    }
    case 'POST /control/fault/clear':
      await clearFaults();
      return json(true);
    default:
      return response.writeHead(404).end();
  }
}

function signallingFramework(config, emitter) {
  let server;
  const http = createServer((request, response) => {
    control(server, request, response).catch((error) => response.writeHead(500).end(String(error)));
  });
  emitter.on('exit', (done) => {
    const spawnedDown = Promise.all([
      ...[...spawned.values()].map((entry) => kill(entry).catch(() => undefined)),
      ...[...remotes.values()].map((browser) => browser.stop().catch(() => undefined)),
      ...[...proxies.values()].map((proxy) => proxy.close().catch(() => undefined)),
    ]);
    Promise.all([spawnedDown, clearFaults().catch(() => undefined), server ? server.close() : undefined]).then(
      () => http.close(() => done()),
      () => done(),
    );
  });
  return createSignallingServer({ server: http, path: '/signal' }).then(
    (created) =>
      new Promise((resolve) => {
        server = created;
        http.listen(0, '127.0.0.1', () => {
          config.client.signallingUrl = server.url;
          config.client.controlUrl = server.url.replace('ws:', 'http:').replace('/signal', '/control');
          resolve();
        });
      }),
  );
}
signallingFramework.$inject = ['config', 'emitter'];

module.exports = { 'framework:rtcpool-signalling': ['factory', signallingFramework] };
