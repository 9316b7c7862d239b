// `npm run bench`: every benchmark, each against a baseline measured in the same run,
// printed as one table. `npm run bench -- --readme` also writes the table into the README.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { angularBundleRows } from './angularBundle';
import { browserRows } from './browser';
import { nodePeerRows } from './nodePeer';
import { bundleRows } from './bundle';
import { channelRows } from './channel';
import { clusterRows } from './cluster';
import { distanceRows } from './distance';
import { poolChannelRows } from './poolChannel';
import { relayRows } from './relay';
import { table } from './stats';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

async function main(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // --setup-only: P1 alone (Chromium and Firefox), while working on setup cost
  const setupOnly = process.argv.includes('--setup-only');
  log('P3: bundle sizes');
  const bundles = setupOnly ? [] : [...(await bundleRows()), ...(await angularBundleRows(log))];
  log('P1, P2, P5: headless Chromium; P1: headless Firefox ESR');
  const browser = await browserRows(log, setupOnly);
  log('D1: setup at 150 ms each way, through a delaying proxy, in headless Chromium');
  const distance = setupOnly ? [] : await distanceRows(log);
  log('N1: Chromium and Node peers');
  const nodePeer = setupOnly ? [] : await nodePeerRows(log);
  log('P4: server relay and memory');
  const relay = setupOnly ? [] : await relayRows();
  log('C1–C3: cluster over Redis');
  const cluster = setupOnly ? [] : await clusterRows(log);
  log('M1, M2: channel() against a raw channel');
  const channel = setupOnly ? [] : await channelRows(log);
  log('M3: pool.channel() broadcast against raw channels, one receiver frozen in M3·s');
  const poolChannel = setupOnly ? [] : await poolChannelRows(log);
  const date = new Date().toISOString().slice(0, 10);
  const report = `Measured ${date} on this project's 2-core machine (\`npm run bench\`).\n\n${table([
    ...browser.rows.filter((r) => r.id.startsWith('P1') || r.id === 'P2'),
    ...distance,
    ...nodePeer,
    ...bundles,
    ...relay,
    ...cluster,
    ...channel,
    ...poolChannel,
    ...browser.rows.filter((r) => r.id === 'P5'),
  ])}\n\nP5, setup time by mesh size:\n\n${browser.growth}\n`;
  process.stdout.write(`\n${report}`);
  if (process.argv.includes('--readme') && !setupOnly) {
    const path = join(import.meta.dirname, '..', 'README.md');
    const readme = readFileSync(path, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < 0) throw new Error(`README.md has no ${START} … ${END} section`);
    writeFileSync(path, `${readme.slice(0, start + START.length)}\n${report}${readme.slice(end)}`);
  }
  process.exit(0);
}

void main();
