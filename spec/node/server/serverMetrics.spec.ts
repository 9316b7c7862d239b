import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { startCliNode, stopCliNode, type CliNode } from '../../support/cliNode';
import { RedisServer } from '../../support/redisServer';
import { WsTestClient } from '../../support/wsTestClient';

const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('ServerMetrics', () => {
  let server: SignallingServer | null = null;
  let app: Server | null = null;
  let redis: RedisServer | null = null;
  let cli: CliNode | null = null;
  const clients: WsTestClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = null;
    if (app) await new Promise((resolve) => app!.close(resolve));
    app = null;
    if (cli) await stopCliNode(cli.child);
    cli = null;
    await redis?.stop();
    redis = null;
  });

  it('serves GET /metrics in Prometheus text format on the server\'s own HTTP server', async () => {
    server = await createSignallingServer({ limits: { maxMembersPerPool: 2 } });
    const [a] = await WsTestClient.joined(server.url, 'p');
    const [b] = await WsTestClient.joined(server.url, 'p');
    const c = await WsTestClient.connect(server.url);
    clients.push(a, b, c);
    await a.next('rtc:peer');
    c.send('rtc:join', { pool: 'p' });
    expect(await c.nextError()).to.equal('pool-full');
    for (let i = 0; i < 3; i += 1) a.send('rtc:candidate', { for: b.id, candidate: CANDIDATE });
    for (let i = 0; i < 3; i += 1) await b.next('rtc:candidate');
    const response = await fetch(server.url.replace('ws:', 'http:') + 'metrics');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'rtcpool_sockets')).to.equal(3);
    expect(sample(text, 'rtcpool_pools')).to.equal(1);
    expect(sample(text, 'rtcpool_members')).to.equal(2);
    expect(sample(text, 'rtcpool_relays_total')).to.equal(3);
    expect(sample(text, 'rtcpool_refusals_total{reason="pool-full"}')).to.equal(1);
    expect(sample(text, 'rtcpool_held_bytes')).to.equal(0);
    expect(text).to.include('# TYPE rtcpool_redis_round_trip_seconds histogram');
  });

  it('leaves an app\'s http.Server alone unless asked, and serves /metrics there when it is', async () => {
    app = createServer((_request, response) => response.end('app'));
    await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
    server = await createSignallingServer({ server: app, path: '/rtc' });
    const base = server.url.replace('ws:', 'http:').replace('/rtc', '');
    expect(await (await fetch(`${base}/metrics`)).text()).to.equal('app');
    await server.close();
    server = await createSignallingServer({ server: app, path: '/rtc', metrics: true });
    expect(await (await fetch(`${base}/metrics`)).text()).to.include('rtcpool_sockets 0');
  });

  it('serves /metrics on the CLI, with the Redis round-trip time of a cluster node', async function () {
    this.timeout(20_000);
    redis = await RedisServer.start();
    cli = await startCliNode(['--redis', redis.url]);
    // the node measures a round trip with each liveness refresh
    let text = '';
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      text = await (await fetch(`${cli.http}/metrics`)).text();
      if (/rtcpool_redis_round_trip_seconds_count\{node="[^"]+"\} [1-9]/.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(text).to.match(/rtcpool_redis_round_trip_seconds_count\{node="[0-9a-f-]{36}"\} [1-9]/);
    expect(text).to.match(/rtcpool_sockets\{node="[0-9a-f-]{36}"\} 0/);
  });
});
