import { chromium, type Browser } from 'playwright-core';
import FLAGS from '../spec/support/chromiumFlags.cjs';

/**
 * Debian's headless Chromium (or `CHROME_BIN`) with the karma tier's flags; `gc` exposes `gc()`
 * to the pages, for benchmarks that collect between cases.
 */
export function launchChromium({ gc = true }: { readonly gc?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROME_BIN ?? '/usr/bin/chromium', args: gc ? [...FLAGS, '--js-flags=--expose-gc'] : FLAGS });
}
