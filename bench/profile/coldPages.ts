// The loop both P1 tools (bench/profile/p1Profile.ts, bench/profile/p1Timeline.ts) run their cases
// in: the real signalling server and headless Chromium, then each case of each run in a fresh
// page, warmed by the bench's untimed raw pair, as the benchmark runs P1.
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import { startBenchServer, type BenchServer } from '../benchServer';
import { launchChromium } from '../launchChromium';
import { rotated } from '../stats';

declare const bench: { warm(): Promise<void> };

/** One case's turn: its fresh page, loaded and warmed, and where it stands in the plan. */
export interface ColdPage<C> {
  readonly page: Page;
  readonly server: BenchServer;
  readonly case: C;
  readonly n: number;
  readonly run: number;
}

/**
 * Puts the signalling server on `http` and launches Chromium; then, for each mesh size of `plan`
 * and each of its runs, gives every case a fresh page, in an order that turns each run, opened at
 * `pathOf(case)` and warmed (`bench.warm()`). Closes each page, the browser and the server
 * whatever `body` does.
 *
 * @param plan - mesh sizes, each with how many runs
 */
export async function forEachColdPage<C>(
  http: Server,
  plan: ReadonlyArray<readonly [number, number]>,
  cases: readonly C[],
  pathOf: (c: C) => string,
  body: (turn: ColdPage<C>) => Promise<void>,
): Promise<void> {
  const server = await startBenchServer(http);
  try {
    const browser = await launchChromium();
    try {
      for (const [n, runs] of plan) {
        for (let run = 0; run < runs; run += 1) {
          for (const c of rotated(cases, run)) {
            const page = await browser.newPage();
            try {
              await page.goto(`${server.origin}${pathOf(c)}`);
              await page.evaluate(() => bench.warm());
              await body({ page, server, case: c, n, run });
            } finally {
              await page.close();
            }
          }
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
