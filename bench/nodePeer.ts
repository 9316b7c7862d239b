// N1: setup time between a Chromium pool and a Node.js pool (rtcpool/node, node-datachannel),
// against Chromium↔Chromium measured in the same run, the cases alternating. Both go through the
// real signalling server on 127.0.0.1; the peer already in the pool runs in a page of its own
// (Chromium↔Chromium) or in this process (Chromium↔Node), so each side of a pair has its own
// event loop in both cases. `npm run build` first (the page runs the built library); standalone:
// `node --import tsx bench/nodePeer.ts`.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { filter, firstValueFrom, take } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling } from '../src';
import { RTCPeerConnection } from '../src/node';
import { bundleDistPage, scriptPageServer } from './benchPage';
import { startBenchServer } from './benchServer';
import { launchChromium } from './launchChromium';
import { fixed, median, printRows, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** Runs of each case; the table shows the medians. */
const RUNS = 31;

/** What the page's bundle puts on `globalThis.rtcpool`: the built library. */
declare const rtcpool: typeof import('../src');

/** In a page: joins `room` and resolves once its channel to the one peer there is open (or, when `wait` is false, once joined). */
async function inPageJoin([url, room, measure]: [string, string, boolean]): Promise<number> {
  const { Pool: PagePool, signalling: pageSignalling } = rtcpool;
  const pool = new PagePool({ iceServers: [] }, new pageSignalling.websocket(url));
  (globalThis as { pools?: Pool[] }).pools = [...((globalThis as { pools?: Pool[] }).pools ?? []), pool];
  const started = performance.now();
  await pool.join(room);
  if (!measure) return 0;
  const connection = await new Promise<import('../src').ManagedConnection>((resolve) => {
    const subscription = pool.connections$.subscribe((list) => {
      if (list.length !== 1) return;
      resolve(list[0]!);
      queueMicrotask(() => subscription.unsubscribe());
    });
  });
  await connection.dataChannel('n1');
  return performance.now() - started;
}

/** In a page: closes every pool it made, and lets closed connections be collected. */
function inPageClose(): void {
  for (const pool of (globalThis as { pools?: Pool[] }).pools ?? []) pool.close();
  (globalThis as { pools?: Pool[] }).pools = [];
  (globalThis as { gc?: () => void }).gc?.();
}

/** A Node pool (rtcpool/node) in this process. */
const nodePool = (url: string): Pool => new Pool({ iceServers: [] }, new signalling.websocket(url, { WebSocket }), { RTCPeerConnection });

/** Node joins `room` and resolves with the ms from join() to its channel to the one peer there open. */
async function nodeJoin(pool: Pool, room: string): Promise<number> {
  const started = performance.now();
  await pool.join(room);
  const [connection] = await firstValueFrom(pool.connections$.pipe(filter((list) => list.length === 1), take(1)));
  await connection!.dataChannel('n1');
  return performance.now() - started;
}

/** The N1 rows: Chromium joining a Node peer, a Node peer joining Chromium, each against Chromium↔Chromium. */
export async function nodePeerRows(log: (line: string) => void = () => undefined): Promise<Row[]> {
  const script = await bundleDistPage({ stdin: { contents: "export * from 'rtcpool';", resolveDir: root, loader: 'ts' }, globalName: 'rtcpool' });
  const http = scriptPageServer('rtcpool.js', script);
  const server = await startBenchServer(http);
  const origin = `${server.origin}/`;
  const url = server.url;
  const browser = await launchChromium();
  const pages: Page[] = [];
  try {
    const page = async (): Promise<Page> => {
      const opened = await browser.newPage();
      await opened.goto(origin);
      pages.push(opened);
      return opened;
    };
    const [measuring, resident] = [await page(), await page()];
    const join = (on: Page, room: string, measure: boolean): Promise<number> => on.evaluate(inPageJoin, [url, room, measure] as [string, string, boolean]);
    let rooms = 0;
    const room = (): string => `n1-${(rooms += 1)}`;

    const cases = {
      /** Chromium joins a pool where a Chromium page already is (the baseline). */
      chromium: async (): Promise<number> => {
        const name = room();
        await join(resident, name, false);
        try {
          return await join(measuring, name, true);
        } finally {
          await Promise.all([measuring.evaluate(inPageClose), resident.evaluate(inPageClose)]);
        }
      },
      /** Chromium joins a pool where a Node peer already is. */
      chromiumToNode: async (): Promise<number> => {
        const name = room();
        const node = nodePool(url);
        await node.join(name);
        try {
          return await join(measuring, name, true);
        } finally {
          node.close();
          await measuring.evaluate(inPageClose);
        }
      },
      /** A Node peer joins a pool where a Chromium page already is. */
      nodeToChromium: async (): Promise<number> => {
        const name = room();
        await join(resident, name, false);
        const node = nodePool(url);
        try {
          return await nodeJoin(node, name);
        } finally {
          node.close();
          await resident.evaluate(inPageClose);
        }
      },
    };
    type Case = keyof typeof cases;
    const order: Case[] = ['chromium', 'chromiumToNode', 'nodeToChromium'];
    const samples: Record<Case, number[]> = { chromium: [], chromiumToNode: [], nodeToChromium: [] };
    // one warm-up round, not counted
    for (const which of order) await cases[which]();
    for (let i = 0; i < RUNS; i += 1) {
      // turn the order each run, so no case always meets a warmer machine
      for (const which of order.map((_, k) => order[(k + i) % order.length]!)) samples[which].push(await cases[which]());
    }
    const base = median(samples.chromium);
    const toNode = median(samples.chromiumToNode);
    const fromNode = median(samples.nodeToChromium);
    log(`N1: Chromium↔Chromium ${fixed(base, 1)} ms, Chromium joins Node ${fixed(toNode, 1)} ms, Node joins Chromium ${fixed(fromNode, 1)} ms`);
    const baseline = `Chromium↔Chromium (two pages) ${fixed(base, 1)} ms`;
    return [
      {
        id: 'N1',
        what: 'setup, a Chromium pool joins a pool with a Node peer (rtcpool/node) in it: join() to the channel open',
        ours: `${fixed(toNode, 1)} ms`,
        baseline,
        ratio: `${fixed(toNode / base)} ×`,
        target: '',
        met: null,
      },
      {
        id: 'N1·r',
        what: 'setup, a Node pool (rtcpool/node) joins a pool with a Chromium peer in it: join() to the channel open',
        ours: `${fixed(fromNode, 1)} ms`,
        baseline,
        ratio: `${fixed(fromNode / base)} ×`,
        target: '',
        met: null,
      },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1]?.endsWith('nodePeer.ts')) {
  printRows(nodePeerRows);
}
