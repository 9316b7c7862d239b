// A karma framework plugin for the cluster specs: starts a real redis-server (spec/support/
// redisServer.ts) before the browser starts, and a control endpoint on 127.0.0.1 that starts
// real `rtcpool-server --redis` processes (the CLI, as an operator runs it) and SIGKILLs them.
// The page gets the endpoint as `__karma__.config.cluster.control`:
//   POST /cluster/nodes?count=N   start N nodes of the cluster -> [{ pid, url }]
//   POST /cluster/kill?pid=PID    SIGKILL one of them (a crash: no goodbye)
// Every process is stopped by its pid when karma exits.
require('tsx/cjs');
const { createServer } = require('node:http');
const { RedisServer } = require('./redisServer.ts');
const { startCliNode, stopCliNode } = require('./cliNode.ts');

/** The cluster's one resume secret: every node gets it, so a member resumes on any of them. */
const SECRET = 'karma-cluster-secret';

function clusterFramework(config, emitter) {
  const nodes = new Map();
  let redis = null;
  let control = null;
  emitter.on('exit', (done) => {
    const stops = [...nodes.values()].map((node) => stopCliNode(node.child, 'SIGKILL'));
    Promise.all(stops)
      .then(() => redis && redis.stop())
      .then(() => control && new Promise((resolve) => control.close(resolve)))
      .then(() => done(), () => done());
  });
  async function handle(request, response) {
    const url = new URL(request.url, 'http://localhost');
    const json = (value) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    response.setHeader('access-control-allow-origin', '*');
    if (request.method === 'OPTIONS') return response.writeHead(204, { 'access-control-allow-methods': 'POST' }).end();
    switch (`${request.method} ${url.pathname}`) {
      case 'POST /cluster/nodes': {
        const count = Number(url.searchParams.get('count') || 1);
        const started = await Promise.all(Array.from({ length: count }, () => startCliNode(['--redis', redis.url, '--secret', SECRET])));
        for (const node of started) nodes.set(String(node.child.pid), node);
        return json(started.map((node) => ({ pid: node.child.pid, url: node.url })));
      }
      case 'POST /cluster/kill': {
        const node = nodes.get(url.searchParams.get('pid'));
        if (!node) return response.writeHead(404).end();
        nodes.delete(String(node.child.pid));
        await stopCliNode(node.child, 'SIGKILL');
        return json(true);
      }
      default:
        return response.writeHead(404).end();
    }
  }
  return RedisServer.start().then(async (started) => {
    redis = started;
    control = createServer((request, response) => {
      handle(request, response).catch((error) => response.writeHead(500).end(String(error)));
    });
    await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
    config.client.cluster = { control: `http://127.0.0.1:${control.address().port}` };
  });
}
clusterFramework.$inject = ['config', 'emitter'];

module.exports = { 'framework:rtcpool-cluster': ['factory', clusterFramework] };
