import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { requestPathname } from './requestPathname';
import { METRICS_PATH } from './serverMetrics';
import { createSignallingServer, type SignallingServer } from './signallingServer';
import { checkTurnOptions, DEFAULT_TURN_TTL_SECONDS, type TurnOptions } from './turnCredentials';

/** The CLI's defaults: loopback only, so nothing is exposed unless asked for. */
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PATH = '/signal';
/** The demo's display names are cut to this length. */
const MAX_NAME_LENGTH = 40;
/** Random bytes in the name of a visitor who gave none (`guest-1a2b3c`). */
const GUEST_TAG_BYTES = 3;
const CONTENT_TYPES: { readonly [extension: string]: string } = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
};

/** Where the resume secret comes from when `--secret` is not given. */
const SECRET_ENV = 'RTCPOOL_SECRET';
/** Where the cluster's Redis comes from when `--redis` is not given. */
const REDIS_ENV = 'RTCPOOL_REDIS_URL';
/** Where the TURN secret and URLs come from when the flags are not given (a secret in a flag shows in `ps`). */
const TURN_SECRET_ENV = 'RTCPOOL_TURN_SECRET';
const TURN_URLS_ENV = 'RTCPOOL_TURN_URLS';

const USAGE = `Usage: rtcpool-server [--port N] [--host H] [--path P] [--secret S] [--redis URL]

Starts the rtcpool ssp v2 signalling server with the demo room at /.
  --port N     port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H     host to listen on (default ${DEFAULT_HOST})
  --path P     path of the WebSocket signalling endpoint (default ${DEFAULT_PATH})
  --secret S   key of the resume tokens (default: env ${SECRET_ENV}, else a random one); keep it
               across restarts and members resume their places after one
  --redis URL  be one node of a cluster over this Redis, e.g. redis://10.0.0.5:6379
               (default: env ${REDIS_ENV}); run as many as you like behind any TCP load
               balancer. Give every node the same --secret and members resume on any
               node; without one, session resume is off in the cluster
  --trust-proxy  count per-address limits by X-Forwarded-For (only behind a reverse proxy)
  --turn-secret S  hand every member TURN credentials made with this secret, the TURN
               server's --static-auth-secret (default: env ${TURN_SECRET_ENV})
  --turn-url URL   a TURN server's URL, e.g. turn:turn.example.org:3478; repeatable or
               comma-separated (default: env ${TURN_URLS_ENV})
  --turn-ttl SECONDS  how long the credentials last (default ${DEFAULT_TURN_TTL_SECONDS})
`;

/** The `turn` option from the flags and the environment; undefined when neither names a secret. */
function turnOptions(values: { 'turn-secret'?: string; 'turn-url'?: string[]; 'turn-ttl'?: string }): TurnOptions | undefined {
  // an empty variable is an unset one: deployment tools often export every name they know
  const secret = values['turn-secret'] ?? (process.env[TURN_SECRET_ENV] || undefined);
  const listed = values['turn-url'] ?? (process.env[TURN_URLS_ENV] ? [process.env[TURN_URLS_ENV]] : []);
  const urls = listed.flatMap((entry) => entry.split(',')).map((url) => url.trim()).filter(Boolean);
  if (secret === undefined && urls.length === 0) return undefined;
  if (secret === undefined) throw new Error(`--turn-url needs --turn-secret (or env ${TURN_SECRET_ENV})`);
  const ttl = values['turn-ttl'] === undefined ? undefined : Number(values['turn-ttl']);
  const turn = { secret, urls, ...(ttl === undefined ? {} : { ttlSeconds: ttl }) };
  checkTurnOptions(turn);
  return turn;
}

/**
 * The demo's files, read once: `dist/demo` beside this CLI once built. Only these names are
 * served, so no request path can reach anything else on disk.
 */
function demoFiles(): Map<string, { readonly body: Buffer; readonly type: string }> {
  const dir = join(__dirname, 'demo');
  const files = new Map<string, { readonly body: Buffer; readonly type: string }>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    files.set(`/${name}`, { body: readFileSync(join(dir, name)), type: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream' });
  }
  return files;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string', default: DEFAULT_HOST },
      path: { type: 'string', default: DEFAULT_PATH },
      secret: { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      redis: { type: 'string' },
      'turn-secret': { type: 'string' },
      'turn-url': { type: 'string', multiple: true },
      'turn-ttl': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not '${values.port}'`);
  const path = values.path.startsWith('/') ? values.path : `/${values.path}`;

  const files = demoFiles();
  if (files.size === 0) process.stderr.write('rtcpool-server: no demo page beside the CLI (run `npm run build`); serving signalling only\n');
  const secret = values.secret ?? process.env[SECRET_ENV];
  if (secret === '') throw new Error('the resume secret may not be empty');
  const turn = turnOptions(values);
  const redis = values.redis ?? (process.env[REDIS_ENV] || undefined);
  if (redis !== undefined && secret === undefined) {
    process.stderr.write('rtcpool-server: no --secret: session resume is off (give every node of the cluster the same one)\n');
  }
  let server: SignallingServer | null = null;
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const pathname = requestPathname(request.url);
    if (pathname === null) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('bad request\n');
      return;
    }
    if (pathname === METRICS_PATH && request.method === 'GET' && server) {
      void server.metrics.serve(request, response);
      return;
    }
    const file = request.method === 'GET' ? files.get(pathname === '/' ? '/index.html' : pathname) : undefined;
    // browsers ask for an icon; the demo has none, and a 404 would only clutter the console
    if (pathname === '/favicon.ico') response.writeHead(204).end();
    else if (file) response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server = await createSignallingServer({
    server: http,
    path,
    trustProxy: values['trust-proxy'],
    ...(redis === undefined ? {} : { cluster: { redis } }),
    resume: secret !== undefined ? { secret } : redis === undefined ? {} : false,
    ...(turn ? { turn } : {}),
    // the demo trusts the name a visitor types: a real app would take it from its own login
    authenticate: (request) => {
      // the edge has answered 400 to a request whose URL does not parse
      const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('name')?.trim().slice(0, MAX_NAME_LENGTH);
      // without a name, one of its own: a roster of identical names tells nobody apart
      return { description: { name: name || `guest-${randomBytes(GUEST_TAG_BYTES).toString('hex')}` } };
    },
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, values.host, () => resolve());
  });
  const node = server;
  const cluster = node.cluster ? ` (cluster node ${node.cluster.node})` : '';
  process.stdout.write(`rtcpool-server listening on http://${values.host}:${node.address().port}/ (signalling at ${node.url})${cluster}\n`);

  const shutdown = (): void => {
    void node.close().then(() => http.close(() => process.exit(0)));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`rtcpool-server: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(1);
});
