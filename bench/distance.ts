// D1: setup at a distance. Every figure of P1 is taken on loopback, where the server answers in
// microseconds; a real user sits 100–300 ms from it. Here every signalling frame goes through a
// proxy that holds it DELAY_MS each way (spec/support/delayingProxy.ts: netem is not available
// on these machines), and n pools in one headless Chromium page join at once. Ours through our
// server (classic, and keeping standing offers), ours through the same server made to look plain
// (the proxy strips our extensions) and rtcpool 3.0.2 run alternately in one page, turn about; the
// floor is the classic exchange's six one-way delays (join there and back, offer there and back,
// answer there and back).
// `node --import tsx bench/distance.ts` runs these rows alone (after `npm run build`).
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startDelayingProxy } from '../spec/support/delayingProxy';
import { RelayCounter } from '../spec/support/relayCounter.cjs';
import { bundleBenchPage } from './benchPage';
import { startBenchServer } from './benchServer';
import { launchChromium } from './launchChromium';
import { perPair, type MessageCount } from './messageCount';
import { fixed, median, printRows, rotated, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** Each way, to the server: a 300 ms round trip. */
const DELAY_MS = 150;
/** The classic offer/answer through a server cannot finish sooner. */
const FLOOR_MS = 6 * DELAY_MS;
const SIZES = [2, 4, 6];
/** Runs of each case per size; a run is about a second of waiting, so the spread is small. */
const RUNS = Number(process.env.D1_RUNS ?? 5);
/** Issue 27's targets: with standing offers on our server, and through a plain ssp v2 server. */
const TARGET_OURS_RATIO = 0.8;
const TARGET_PLAIN_RATIO = 1.0;

interface BenchPage {
  setupPools(url: string, n: number, options?: { standingOffer?: boolean }): Promise<number>;
  setupPools3(url: string, n: number): Promise<number>;
  joinRoom(url: string, n: number, options?: { standingOffer?: boolean }): Promise<number>;
  joinRoom3(url: string, n: number): Promise<number>;
  warm(): Promise<void>;
}
declare const bench: BenchPage;

const CASES = ['ours', 'standing', 'plain', 'v3'] as const;
type Case = (typeof CASES)[number];

/** D2's cases: a newcomer joining a quiet room, ours with standing offers, ours classic, 3.0.2. */
const ROOM_CASES = ['standing', 'ours', 'v3'] as const;
type RoomCase = (typeof ROOM_CASES)[number];

const perPairText = (c: MessageCount): string => `${fixed(c.offers)} offers, ${fixed(c.answers)} answers per pair`;

/** The D1 rows: our setup at 150 ms each way against 3.0.2's through the same proxy, and against the floor. */
export async function distanceRows(log: (line: string) => void): Promise<Row[]> {
  const script = await bundleBenchPage(join(root, 'dist/index.mjs'));
  let counter: RelayCounter | null = null;
  const http = createServer((request, response) => {
    if (request.url === '/bench.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/bench.js"></script>');
  });
  // counts only in the runs made for counting: watching sockets is not free
  http.on('upgrade', (_request, socket) => counter?.watch(socket));
  const server = await startBenchServer(http);
  const proxies = {
    ours: await startDelayingProxy({ target: server.url, delayMs: DELAY_MS }),
    plain: await startDelayingProxy({ target: server.url, delayMs: DELAY_MS, plain: true }),
  };
  const urlOf: Record<Case, string> = { ours: proxies.ours.url, standing: proxies.ours.url, plain: proxies.plain.url, v3: proxies.ours.url };
  const browser = await launchChromium();
  /** One setup of `which` for `n` pools in `page`; the page is collected afterwards. */
  const setup = async (page: Awaited<ReturnType<typeof browser.newPage>>, which: Case, n: number): Promise<number> => {
    const ms = (await page.evaluate(
      ([url, size, v3, standingOffer]) => (v3 ? bench.setupPools3(url, size) : bench.setupPools(url, size, { standingOffer })),
      [urlOf[which], n, which === 'v3', which === 'standing'] as const,
    )) as number;
    await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.());
    return ms;
  };
  try {
    const rows: Row[] = [];
    for (const n of SIZES) {
      const samples: Record<Case, number[]> = { ours: [], standing: [], plain: [], v3: [] };
      const counts = {} as Record<Case, MessageCount>;
      for (let i = 0; i <= RUNS; i += 1) {
        const page = await browser.newPage();
        try {
          await page.goto(`${server.origin}/`);
          await page.evaluate(() => bench.warm());
          if (i < RUNS) {
            for (const which of rotated(CASES, i)) samples[which].push(await setup(page, which, n));
            continue;
          }
          // one more round, counted at the server, case by case
          for (const which of CASES) {
            counter = new RelayCounter();
            await setup(page, which, n);
            counts[which] = perPair(counter.report());
            counter = null;
          }
        } finally {
          await page.close();
        }
      }
      const [ours, standing, plain, v3] = [median(samples.ours), median(samples.standing), median(samples.plain), median(samples.v3)];
      log(
        `D1 N=${n}: ours ${fixed(ours, 0)} ms, with standing offers ${fixed(standing, 0)} ms, through a plain server ${fixed(plain, 0)} ms, 3.0.2 ${fixed(v3, 0)} ms, floor ${FLOOR_MS} ms`,
      );
      const pairs = (n * (n - 1)) / 2;
      const what = `setup at ${DELAY_MS} ms each way, ${n} pools joining at once (${pairs} pair${pairs === 1 ? '' : 's'})`;
      rows.push(
        {
          id: 'D1',
          what: `${what}, our server, standing offers`,
          ours: `${fixed(standing, 0)} ms`,
          baseline: `3.0.2 ${fixed(v3, 0)} ms`,
          ratio: `${fixed(standing / v3)} ×`,
          target: `≤ ${TARGET_OURS_RATIO} ×`,
          met: standing / v3 <= TARGET_OURS_RATIO,
        },
        {
          id: 'D1·c',
          what: `${what}, our server, classic exchange (no standing offers)`,
          ours: `${fixed(ours, 0)} ms`,
          baseline: `3.0.2 ${fixed(v3, 0)} ms`,
          ratio: `${fixed(ours / v3)} ×`,
          target: '',
          met: null,
        },
        {
          id: 'D1·p',
          what: `${what}, a plain ssp v2 server`,
          ours: `${fixed(plain, 0)} ms`,
          baseline: `3.0.2 ${fixed(v3, 0)} ms`,
          ratio: `${fixed(plain / v3)} ×`,
          target: `≤ ${TARGET_PLAIN_RATIO} ×`,
          met: plain / v3 <= TARGET_PLAIN_RATIO,
        },
        {
          id: 'D1·f',
          what: `${what}, our server, standing offers, against the six one-way delays of the classic exchange`,
          ours: `${fixed(standing, 0)} ms`,
          baseline: `floor ${FLOOR_MS} ms`,
          ratio: `${fixed(standing / FLOOR_MS)} ×`,
          target: '',
          met: null,
        },
        {
          id: 'D1·m',
          what: `signalling per pair at ${DELAY_MS} ms each way, ${n} pools at once, counted at the server (one round)`,
          ours: `${perPairText(counts.standing)} (${fixed(counts.standing.standingOffers)} standing); classic: ${perPairText(counts.ours)}; plain server: ${perPairText(counts.plain)}`,
          baseline: `3.0.2: ${perPairText(counts.v3)}`,
          ratio: '',
          target: '1 offer and 1 answer per pair',
          met: [counts.ours, counts.standing, counts.plain].every((c) => c.offers === 1 && c.answers === 1),
        },
      );
    }
    // D2: where a standing offer is there to take, a newcomer's join takes four one-way delays
    for (const n of SIZES) {
      const samples: Record<RoomCase, number[]> = { standing: [], ours: [], v3: [] };
      for (let i = 0; i < RUNS; i += 1) {
        const page = await browser.newPage();
        try {
          await page.goto(`${server.origin}/`);
          await page.evaluate(() => bench.warm());
          for (const which of rotated(ROOM_CASES, i)) {
            samples[which].push(
              (await page.evaluate(
                ([url, size, v3, standingOffer]) => (v3 ? bench.joinRoom3(url, size) : bench.joinRoom(url, size, { standingOffer })),
                [proxies.ours.url, n, which === 'v3', which === 'standing'] as const,
              )) as number,
            );
            await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.());
          }
        } finally {
          await page.close();
        }
      }
      const [standing, ours, v3] = [median(samples.standing), median(samples.ours), median(samples.v3)];
      log(`D2 N=${n}: with standing offers ${fixed(standing, 0)} ms, classic ${fixed(ours, 0)} ms, 3.0.2 ${fixed(v3, 0)} ms`);
      const what = `a newcomer joins a quiet room of ${n - 1} at ${DELAY_MS} ms each way, join() to a channel open to each member`;
      rows.push(
        {
          id: 'D2',
          what: `${what}, our server, standing offers (four one-way delays: ${4 * DELAY_MS} ms)`,
          ours: `${fixed(standing, 0)} ms`,
          baseline: `3.0.2 ${fixed(v3, 0)} ms`,
          ratio: `${fixed(standing / v3)} ×`,
          target: '',
          met: null,
        },
        {
          id: 'D2·c',
          what: `${what}, our server, classic exchange (six one-way delays: ${FLOOR_MS} ms)`,
          ours: `${fixed(ours, 0)} ms`,
          baseline: `3.0.2 ${fixed(v3, 0)} ms`,
          ratio: `${fixed(ours / v3)} ×`,
          target: '',
          met: null,
        },
      );
    }
    return rows;
  } finally {
    await browser.close();
    await proxies.ours.close();
    await proxies.plain.close();
    await server.close();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  printRows(distanceRows);
}
