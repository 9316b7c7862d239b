// M1 and M2 (issue 17): PeerChannel (ManagedConnection.channel()) against a raw data channel of
// the same connection, paced by hand with bufferedamountlow, in headless Chromium (Debian's,
// driven by playwright-core) against the real signalling server on 127.0.0.1. Both run in the
// same page, on the same peer connection, interleaved, their order swapped every run.
// `node --import tsx bench/channel.ts` runs these rows alone (after `npm run build`).
import { join } from 'node:path';
import { bundleDistPage, scriptPageServer } from './benchPage';
import { startBenchServer } from './benchServer';
import { launchChromium } from './launchChromium';
import { fixed, median, printRows, type Row } from './stats';

/** Runs, each in a fresh page, each measuring every case twice; the table shows medians, and the median of the paired ratios. */
const RUNS = 5;
const BULK_MIB = 64;
const SMALL_COUNT = 40_000;
const SMALL_BYTES = 1024;
/** Other chunk sizes measured for the diagnostic rows (KiB); must match the page's CHUNK_SIZES_KIB. */
const DIAGNOSTIC_CHUNKS_KIB = [16, 256];
/** Issue 17's targets. */
const TARGET_BULK_RATIO = 0.95;
const TARGET_SMALL_RATIO = 0.9;

interface ChannelBenchPage {
  setUp(url: string): Promise<void>;
  tearDown(): void;
  rawBulk(bytes: number): Promise<number>;
  oursBulk(bytes: number, kib?: number): Promise<number>;
  rawSmall(count: number, size: number, kind: 'binary' | 'string'): Promise<number>;
  oursSmall(count: number, size: number, kind: 'binary' | 'string'): Promise<number>;
}
declare const channelBench: ChannelBenchPage;

export async function channelRows(log: (line: string) => void): Promise<Row[]> {
  const script = await bundleDistPage({ entryPoints: [join(import.meta.dirname, 'page/channelBench.ts')] });
  const http = scriptPageServer('channelBench.js', script);
  const server = await startBenchServer(http);
  const browser = await launchChromium({ gc: false });
  const bytes = BULK_MIB * 1024 * 1024;
  const sized = new Map<number, number[]>(DIAGNOSTIC_CHUNKS_KIB.map((kib) => [kib, []]));
  const samples = { bulkOurs: [] as number[], bulkRaw: [] as number[], binOurs: [] as number[], binRaw: [] as number[], strOurs: [] as number[], strRaw: [] as number[] };
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.origin}/`);
        await page.evaluate((url) => channelBench.setUp(url), server.url);
        // untimed warm-up of both paths
        await page.evaluate((n) => channelBench.rawBulk(n), 4 * 1024 * 1024);
        await page.evaluate((n) => channelBench.oursBulk(n), 4 * 1024 * 1024);
        const pairs: Array<[() => Promise<void>, () => Promise<void>]> = [
          [
            async () => void samples.bulkOurs.push(await page.evaluate((n) => channelBench.oursBulk(n), bytes)),
            async () => void samples.bulkRaw.push(await page.evaluate((n) => channelBench.rawBulk(n), bytes)),
          ],
          [
            async () => void samples.binOurs.push(await page.evaluate(([n, s]) => channelBench.oursSmall(n, s, 'binary'), [SMALL_COUNT, SMALL_BYTES])),
            async () => void samples.binRaw.push(await page.evaluate(([n, s]) => channelBench.rawSmall(n, s, 'binary'), [SMALL_COUNT, SMALL_BYTES])),
          ],
          [
            async () => void samples.strOurs.push(await page.evaluate(([n, s]) => channelBench.oursSmall(n, s, 'string'), [SMALL_COUNT, SMALL_BYTES])),
            async () => void samples.strRaw.push(await page.evaluate(([n, s]) => channelBench.rawSmall(n, s, 'string'), [SMALL_COUNT, SMALL_BYTES])),
          ],
        ];
        // A B B A (or B A A B on odd runs): each side gets the early and the late slot of a run
        for (const [ours, raw] of pairs) for (const measure of run % 2 === 0 ? [ours, raw, raw, ours] : [raw, ours, ours, raw]) await measure();
        for (const kib of DIAGNOSTIC_CHUNKS_KIB) sized.get(kib)!.push(await page.evaluate(([n, k]) => channelBench.oursBulk(n, k), [bytes, kib]));
        await page.evaluate(() => channelBench.tearDown());
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const mbps = (ms: number): number => (BULK_MIB * 1.048576) / (ms / 1000);
  const bulkOurs = mbps(median(samples.bulkOurs));
  const bulkRaw = mbps(median(samples.bulkRaw));
  // the ratio of each pair measured side by side, then their median: the machine's drift between
  // runs (other work on 2 cores) cancels out within a pair
  const paired = (ours: number[], raw: number[], faster: 'higher' | 'lower'): number =>
    median(ours.map((value, i) => (faster === 'higher' ? value / raw[i]! : raw[i]! / value)));
  const bulkRatio = paired(samples.bulkOurs, samples.bulkRaw, 'lower');
  log(`M1: channel() ${fixed(bulkOurs, 1)} MB/s, raw ${fixed(bulkRaw, 1)} MB/s (runs: ${samples.bulkOurs.map((ms) => fixed(mbps(ms), 0)).join(', ')} vs ${samples.bulkRaw.map((ms) => fixed(mbps(ms), 0)).join(', ')})`);
  const rate = (list: number[]): number => median(list);
  const binRatio = paired(samples.binOurs, samples.binRaw, 'higher');
  const strRatio = paired(samples.strOurs, samples.strRaw, 'higher');
  const runs = (list: number[]): string => list.map((value) => fixed(value / 1000, 1)).join(', ');
  log(`M2: binary ${fixed(rate(samples.binOurs), 0)}/s vs ${fixed(rate(samples.binRaw), 0)}/s (runs, thousands/s: ${runs(samples.binOurs)} vs ${runs(samples.binRaw)})`);
  log(`M2: string ${fixed(rate(samples.strOurs), 0)}/s vs ${fixed(rate(samples.strRaw), 0)}/s (runs, thousands/s: ${runs(samples.strOurs)} vs ${runs(samples.strRaw)})`);
  for (const kib of DIAGNOSTIC_CHUNKS_KIB) log(`M1·d ${kib} KiB: runs ${sized.get(kib)!.map((ms) => fixed(mbps(ms), 0)).join(', ')} MB/s`);
  return [
    {
      id: 'M1',
      what: `one ${BULK_MIB} MiB message through channel(), send() to messages$`,
      ours: `${fixed(bulkOurs, 1)} MB/s`,
      baseline: `raw channel, 64 KiB messages paced by hand ${fixed(bulkRaw, 1)} MB/s`,
      ratio: `${fixed(bulkRatio)} ×`,
      target: `≥ ${TARGET_BULK_RATIO} ×`,
      met: bulkRatio >= TARGET_BULK_RATIO,
    },
    ...DIAGNOSTIC_CHUNKS_KIB.map((kib): Row => {
      const speed = mbps(median(sized.get(kib)!));
      return {
        id: 'M1·d',
        what: `diagnostic: the same through channel() with chunkBytes ${kib} KiB (default 64 KiB)`,
        ours: `${fixed(speed, 1)} MB/s`,
        baseline: `raw channel ${fixed(bulkRaw, 1)} MB/s`,
        ratio: `${fixed(speed / bulkRaw)} ×`,
        target: '',
        met: null,
      };
    }),
    {
      id: 'M2',
      what: `${SMALL_COUNT} binary messages of ${SMALL_BYTES / 1024} KiB through channel()`,
      ours: `${fixed(rate(samples.binOurs), 0)} msg/s`,
      baseline: `raw channel ${fixed(rate(samples.binRaw), 0)} msg/s`,
      ratio: `${fixed(binRatio)} ×`,
      target: `≥ ${TARGET_SMALL_RATIO} ×`,
      met: binRatio >= TARGET_SMALL_RATIO,
    },
    {
      id: 'M2',
      what: `${SMALL_COUNT} string messages of ${SMALL_BYTES / 1024} KiB through channel()`,
      ours: `${fixed(rate(samples.strOurs), 0)} msg/s`,
      baseline: `raw channel ${fixed(rate(samples.strRaw), 0)} msg/s`,
      ratio: `${fixed(strRatio)} ×`,
      target: `≥ ${TARGET_SMALL_RATIO} ×`,
      met: strRatio >= TARGET_SMALL_RATIO,
    },
  ];
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  printRows(channelRows);
}
