// `npm start`: the signalling server with the demo room (dist/cli.cjs, built first by npm start),
// and with `--echo-bot` a Node.js peer in the demo's room too: examples/echo-bot.ts, so a visitor
// of the demo meets a bot that answers. Every other flag goes to the server:
//   npm start -- --echo-bot [--echo-bot-room NAME] [--port N] [server flags…]
// It stops the bot and the server (by its pid) on SIGINT or SIGTERM, and ends when the server does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { filter, mergeMap } from 'rxjs';
import type { Pool } from '../src';
import { echoBot } from '../examples/echo-bot';

/** The room the demo page joins when its URL names none (demo/app.ts). */
const DEMO_ROOM = 'lobby';
/** The name the demo shows for the bot (the CLI takes a visitor's name from `?name=`). */
const BOT_NAME = 'echo-bot';
/** The label of the demo's chat channels (demo/app.ts). */
const CHAT_LABEL = 'chat';

const root = join(__dirname, '..');
const { values, tokens } = parseArgs({
  args: process.argv.slice(2),
  options: { 'echo-bot': { type: 'boolean', default: false }, 'echo-bot-room': { type: 'string', default: DEMO_ROOM } },
  strict: false,
  tokens: true,
});
// the server's flags, as given: everything but ours
const ours = new Set(['echo-bot', 'echo-bot-room']);
const serverArgs = tokens.flatMap((token) => {
  if (token.kind === 'positional') return [token.value];
  if (token.kind !== 'option' || ours.has(token.name)) return [];
  return token.inlineValue ? [`${token.rawName}=${token.value}`] : token.value === undefined ? [token.rawName] : [token.rawName, token.value];
});

// the built CLI (npm start builds it); from source when there is no build, without the demo page
const built = join(root, 'dist', 'cli.cjs');
const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(root, 'src', 'server', 'cli.ts')];
const server = spawn(process.execPath, [...cli, ...serverArgs], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let bot: Pool | null = null;
let stopping = false;

/**
 * The demo shows what arrives on the 'chat' channels peers open to it, not what comes back on
 * its own: so the bot opens a 'chat' channel to each visitor and says every echo there too.
 */
function chatInTheDemo(pool: Pool): void {
  const outgoing = new Map<string, RTCDataChannel>();
  pool.peerJoined$.pipe(mergeMap((connection) => connection.dataChannel(CHAT_LABEL).then((channel) => ({ connection, channel })))).subscribe({
    next: ({ connection, channel }) => {
      outgoing.set(connection.id, channel);
      channel.send('I am a Node.js peer (examples/echo-bot.ts): I echo whatever you say.');
    },
    error: (error: unknown) => process.stderr.write(`echo bot: ${String(error)}\n`),
  });
  pool.peerLeft$.subscribe((connection) => outgoing.delete(connection.id));
  pool.dataChannels$.pipe(filter(({ event }) => event.channel.label === CHAT_LABEL)).subscribe(({ connection, event: { channel } }) => {
    channel.addEventListener('message', ({ data }) => {
      const mine = outgoing.get(connection.id);
      if (mine?.readyState === 'open') mine.send(`echo: ${String(data)}`);
    });
  });
  pool.errors$.subscribe((error) => process.stderr.write(`echo bot: ${error.code}: ${error.message}\n`));
}

async function startBot(signallingUrl: string): Promise<void> {
  const url = new URL(signallingUrl);
  url.searchParams.set('name', BOT_NAME);
  const room = String(values['echo-bot-room']);
  const pool = await echoBot(url.toString(), room);
  if (stopping) {
    pool.close();
    return;
  }
  bot = pool;
  chatInTheDemo(pool);
  process.stdout.write(`echo bot joined room '${room}' as ${pool.id} (open the demo: it is there)\n`);
}

/** Whether the bot waits for the server's "listening" line, and what the server said so far. */
let waitingForServer = values['echo-bot'] === true;
let said = '';
/** The exit code when the bot could not join. */
let failed = false;
server.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!waitingForServer) return;
  said += chunk.toString();
  const listening = /signalling at (ws:\/\/\S+?)\)/.exec(said);
  if (!listening) return;
  waitingForServer = false;
  startBot(listening[1]!).catch((error: unknown) => {
    process.stderr.write(`echo bot: could not join: ${String(error)}\n`);
    failed = true;
    stop();
  });
});

/** Stops the bot, then the server by its pid; the process ends once the server has. */
function stop(): void {
  if (stopping) return;
  stopping = true;
  bot?.close();
  bot = null;
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
}

process.once('SIGINT', stop);
process.once('SIGTERM', stop);
server.once('exit', (code, signal) => {
  bot?.close();
  bot = null;
  process.exitCode = failed ? 1 : stopping ? 0 : (code ?? (signal ? 1 : 0));
  // nothing else holds the process: it ends here
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
});
