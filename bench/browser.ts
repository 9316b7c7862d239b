// P1, P2 and P5 in headless Chromium (Debian's, driven by playwright-core), against the real
// signalling server on 127.0.0.1. Baselines run in the same page, interleaved with our runs.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createSignallingServer } from '../src/server';
import { fixed, median, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** Runs of each case; the table shows the median. */
const RUNS = 5;
const SETUP_SIZES = [2, 4, 8, 12];
const GROWTH_SIZES = [2, 4, 6, 8, 10, 12, 14, 16];
const GROWTH_RUNS = 3;
const BULK_MIB = 64;
const BULK_RUNS = 5;
/** Issue 6's targets. */
const TARGET_SETUP_RATIO = 1.25;
const TARGET_THROUGHPUT_RATIO = 0.97;
import FLAGS from '../spec/support/chromiumFlags.cjs';

interface BenchPage {
  setupRaw(n: number): Promise<number>;
  setupPools(url: string, n: number): Promise<number>;
  throughputRaw(mib: number): Promise<number>;
  throughputManaged(url: string, mib: number): Promise<number>;
  setupRawViaServer(url: string, n: number): Promise<number>;
  warm(): Promise<void>;
}
declare const bench: BenchPage;

export async function browserRows(log: (line: string) => void): Promise<{ rows: Row[]; growth: string }> {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'page/bench.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    alias: { rtcpool: join(root, 'dist/index.mjs') },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  const http = createServer((request, response) => {
    if (request.url === '/bench.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/bench.js"></script>');
  });
  const signalling = await createSignallingServer({ server: http, path: '/signal', limits: { messagesPerSecond: 1e6, messageBurst: 1e6 } });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium', args: FLAGS });
  try {
    const url = signalling.url;
    // every run in a fresh page: Chromium caps the peer connections of a renderer, and closed
    // ones count until collected, which gc() alone does not make soon enough
    const run = async <T>(fn: (args: [string, number]) => Promise<T>, arg: number): Promise<T> => {
      const page = await browser.newPage();
      try {
        await page.goto(`http://127.0.0.1:${signalling.address().port}/`);
        await page.evaluate(() => bench.warm());
        return (await page.evaluate(fn as never, [url, arg] as never)) as T;
      } finally {
        await page.close();
      }
    };
    const pools = (n: number) => run(([u, size]: [string, number]) => bench.setupPools(u, size), n);
    const raw = (n: number) => run(([, size]: [string, number]) => bench.setupRaw(size), n);
    const rawViaServer = (n: number) => run(([u, size]: [string, number]) => bench.setupRawViaServer(u, size), n);

    const rows: Row[] = [];
    for (const n of SETUP_SIZES) {
      const ours: number[] = [];
      const base: number[] = [];
      const viaServer: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        ours.push(await pools(n));
        base.push(await raw(n));
        viaServer.push(await rawViaServer(n));
      }
      const ratio = median(ours) / median(base);
      log(`P1 N=${n}: rtcpool ${fixed(median(ours), 1)} ms, raw ${fixed(median(base), 1)} ms, raw via the server ${fixed(median(viaServer), 1)} ms`);
      rows.push({
        id: 'P1',
        what: `setup, ${n} pools in one page, first join() to every pair's channel open (${(n * (n - 1)) / 2} pair${n === 2 ? '' : 's'})`,
        ours: `${fixed(median(ours), 1)} ms`,
        baseline: `raw RTCPeerConnections ${fixed(median(base), 1)} ms`,
        ratio: `${fixed(ratio)} ×`,
        target: n === 8 ? `≤ ${TARGET_SETUP_RATIO} ×` : '',
        met: n === 8 ? ratio <= TARGET_SETUP_RATIO : null,
      });
      rows.push({
        id: 'P1·d',
        what: `diagnostic, N = ${n}: raw RTCPeerConnections signalled through the same server (no rtcpool code)`,
        ours: `${fixed(median(ours), 1)} ms`,
        baseline: `raw via the server ${fixed(median(viaServer), 1)} ms`,
        ratio: `${fixed(median(ours) / median(viaServer))} ×`,
        target: '',
        met: null,
      });
    }

    const managed: number[] = [];
    const rawRates: number[] = [];
    for (let i = 0; i < BULK_RUNS; i += 1) {
      // alternate which goes first, so neither always meets a warmer machine
      const both = [
        async () => managed.push(await run(([u, mib]: [string, number]) => bench.throughputManaged(u, mib), BULK_MIB)),
        async () => rawRates.push(await run(([, mib]: [string, number]) => bench.throughputRaw(mib), BULK_MIB)),
      ];
      for (const measure of i % 2 === 0 ? both : both.reverse()) await measure();
    }
    const throughputRatio = median(managed) / median(rawRates);
    log(`P2: managed ${fixed(median(managed), 1)} MB/s, raw ${fixed(median(rawRates), 1)} MB/s`);
    rows.push({
      id: 'P2',
      what: `bulk data, ${BULK_MIB} MiB in 16 KiB messages through dataChannel()`,
      ours: `${fixed(median(managed), 1)} MB/s`,
      baseline: `raw RTCDataChannel ${fixed(median(rawRates), 1)} MB/s`,
      ratio: `${fixed(throughputRatio)} ×`,
      target: `≥ ${TARGET_THROUGHPUT_RATIO} ×`,
      met: throughputRatio >= TARGET_THROUGHPUT_RATIO,
    });

    // P5: how setup time grows with the number of pairs
    const growth: Array<{ n: number; pairs: number; ms: number }> = [];
    for (const n of GROWTH_SIZES) {
      const samples: number[] = [];
      for (let i = 0; i < GROWTH_RUNS; i += 1) samples.push(await pools(n));
      growth.push({ n, pairs: (n * (n - 1)) / 2, ms: median(samples) });
      log(`P5 N=${n}: ${fixed(median(samples), 1)} ms`);
    }
    // the slope of log(time) against log(pairs): 1 means time grows as the pairs do
    const xs = growth.map((g) => Math.log(g.pairs));
    const ys = growth.map((g) => Math.log(g.ms));
    // least squares: a slope over 1 would mean setup grows faster than the pairs
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0) / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
    rows.push({
      id: 'P5',
      what: `setup time against pairs, N = ${GROWTH_SIZES[0]} … ${GROWTH_SIZES.at(-1)} (log-log slope)`,
      ours: `slope ${fixed(slope)}`,
      baseline: '—',
      ratio: '',
      target: 'slope ≤ 1 (no faster than the pairs)',
      met: slope <= 1,
    });
    const growthTable = [
      '| N | pairs | setup (median) | per pair |',
      '|---|---|---|---|',
      ...growth.map((g) => `| ${g.n} | ${g.pairs} | ${fixed(g.ms, 1)} ms | ${fixed(g.ms / g.pairs, 2)} ms |`),
    ].join('\n');
    return { rows, growth: growthTable };
  } finally {
    await browser.close();
    await signalling.close();
    http.close();
  }
}
