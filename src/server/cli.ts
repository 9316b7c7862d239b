import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { createSignallingServer } from './signallingServer';

/** The CLI's defaults: loopback only, so nothing is exposed unless asked for. */
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PATH = '/signal';

const USAGE = `Usage: rtcpool-server [--port N] [--host H] [--path P]

Starts the rtcpool ssp v2 signalling server with the demo page at /.
  --port N   port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H   host to listen on (default ${DEFAULT_HOST})
  --path P   path of the WebSocket signalling endpoint (default ${DEFAULT_PATH})
`;

function page(signallingPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtcpool-server</title></head>
<body><h1>rtcpool-server</h1>
<p>The ssp v2 signalling endpoint is <code id="endpoint"></code>.</p>
<script>document.getElementById('endpoint').textContent =
  (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ${JSON.stringify(signallingPath)};</script>
</body></html>
`;
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

  const html = page(path);
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && (pathname === '/' || pathname === '/index.html')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const server = await createSignallingServer({ server: http, path });
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
