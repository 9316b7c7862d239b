import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSignallingServer } from './signallingServer';

/** The CLI's defaults: loopback only, so nothing is exposed unless asked for. */
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PATH = '/signal';
/** The demo's display names are cut to this length. */
const MAX_NAME_LENGTH = 40;
const CONTENT_TYPES: { readonly [extension: string]: string } = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
};

const USAGE = `Usage: rtcpool-server [--port N] [--host H] [--path P]

Starts the rtcpool ssp v2 signalling server with the demo room at /.
  --port N   port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H   host to listen on (default ${DEFAULT_HOST})
  --path P   path of the WebSocket signalling endpoint (default ${DEFAULT_PATH})
`;

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
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const file = request.method === 'GET' ? files.get(pathname === '/' ? '/index.html' : pathname) : undefined;
    // browsers ask for an icon; the demo has none, and a 404 would only clutter the console
    if (pathname === '/favicon.ico') response.writeHead(204).end();
    else if (file) response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  const server = await createSignallingServer({
    server: http,
    path,
    // the demo trusts the name a visitor types: a real app would take it from its own login
    authenticate: (request) => {
      const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('name')?.trim().slice(0, MAX_NAME_LENGTH);
      return { description: { name: name || 'guest' } };
    },
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, values.host, () => resolve());
  });
  process.stdout.write(`rtcpool-server listening on http://${values.host}:${server.address().port}/ (signalling at ${server.url})\n`);

  const shutdown = (): void => {
    void server.close().then(() => http.close(() => process.exit(0)));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`rtcpool-server: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(1);
});
