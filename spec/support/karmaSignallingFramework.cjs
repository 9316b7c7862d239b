// A karma framework plugin: starts the real rtcpool signalling server on 127.0.0.1 before the
// browser starts, and hands its URL to the page as `__karma__.config.signallingUrl`.
//
// The same HTTP server answers a few test-only control requests, so browser specs can make the
// server do what an application would (stop a pool, set a description):
//   POST /control/stop?pool=NAME           -> server.stop(NAME)
//   POST /control/describe?id=ID  (body: JSON description) -> server.describe(ID, description)
//   GET  /control/pools                    -> server.pools()
// None of this is part of the product; it exists only in the test set-up.
require('tsx/cjs');
const { createServer } = require('node:http');
const { createSignallingServer } = require('../../src/server/index.ts');

function readBody(request) {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
  });
}

async function control(server, request, response) {
  const url = new URL(request.url, 'http://localhost');
  const json = (value) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  response.setHeader('access-control-allow-origin', '*');
  if (request.method === 'OPTIONS') return response.writeHead(204, { 'access-control-allow-methods': 'GET, POST' }).end();
  switch (`${request.method} ${url.pathname}`) {
    case 'POST /control/stop':
      return json(server.stop(url.searchParams.get('pool')));
    case 'POST /control/describe':
      return json(server.describe(url.searchParams.get('id'), JSON.parse((await readBody(request)) || 'null')));
    case 'GET /control/pools':
      return json(server.pools());
    default:
      return response.writeHead(404).end();
  }
}

function signallingFramework(config, emitter) {
  let server;
  const http = createServer((request, response) => {
    control(server, request, response).catch(() => response.writeHead(500).end());
  });
  emitter.on('exit', (done) => {
    (server ? server.close() : Promise.resolve()).then(() => http.close(() => done()), () => done());
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
