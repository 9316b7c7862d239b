// `npm test`: type-check and build, the docs and package checks, then the Node tier (mocha, with
// the demo's end-to-end specs in Chromium), the Angular app (scripts/angular.ts: its build, server
// prerender and TestBed specs), then the browser tier (karma, in Chromium and then in Firefox ESR;
// KARMA_BROWSERS picks one) and the Angular app's change-detection count in Chromium, and end
// with one total line, counting every engine's results,
// `N passed, N failed`. `npm test -- --only node` (or `browser`) runs one tier while iterating.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Mocha from 'mocha';
import { angularApp, angularChangeDetection } from './angular';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');

interface Tally {
  passed: number;
  failed: number;
}

function specFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.spec.ts'))
    .sort()
    .map((file) => join(dir, file));
}

function typecheck(): boolean {
  console.log('\n# Type-checking (tsc --noEmit; the Angular app is checked by its own build)');
  const tsc = require.resolve('typescript/bin/tsc');
  return spawnSync(process.execPath, [tsc, '--noEmit', '-p', root], { stdio: 'inherit' }).status === 0;
}

/** `npm run docs` must document every public symbol: TypeDoc, without writing anything. */
function docs(): Tally {
  console.log('\n# API reference (typedoc --emit none: every public symbol documented)');
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  const ok = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, stdio: 'inherit' }).status === 0;
  console.log(ok ? '  ✔ every public symbol is documented' : '  ✘ undocumented public symbols (see above)');
  return ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

/**
 * The packed package as its users get it: `attw --pack` (types resolve, in the module format of
 * their code, under node10, node16 from CJS and ESM, and bundlers) and `publint --strict` (the
 * `exports`, `files` and fields agree with what is packed). Each tool counts as one check.
 */
function packageCheck(): Tally {
  console.log('\n# Package (attw --pack, publint --strict)');
  const checks: [string, string[]][] = [
    ['attw --pack: every entry point types and resolves', [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), '--pack', '.']],
    ['publint --strict: no package problem', [join(root, 'node_modules/publint/src/cli.js'), '--strict']],
  ];
  const tally: Tally = { passed: 0, failed: 0 };
  for (const [what, args] of checks) {
    const ok = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status === 0;
    console.log(ok ? `  ✔ ${what}` : `  ✘ ${what} (see above)`);
    if (ok) tally.passed += 1;
    else tally.failed += 1;
  }
  return tally;
}

/** The end-to-end specs run the built CLI and demo, as `npm start` would. */
function buildPackage(): boolean {
  console.log('\n# Building (npm run build)');
  return spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status === 0;
}

async function nodeTier(): Promise<Tally> {
  console.log('\n# Node tier (mocha)');
  const mocha = new Mocha({ reporter: 'spec', timeout: 10_000 });
  for (const file of [...specFiles(join(root, 'spec/node')), ...specFiles(join(root, 'spec/e2e'))]) mocha.addFile(file);
  await mocha.loadFilesAsync();
  return new Promise((done) => {
    const runner = mocha.run(() => done({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0 }));
  });
}

async function browserTier(): Promise<Tally> {
  console.log(`\n# Browser tier (karma: ${process.env.KARMA_BROWSERS ?? 'chromium,firefox'})`);
  const karma = require('karma');
  const config = await karma.config.parseConfig(join(root, 'karma.conf.cjs'), {}, { promiseConfig: true, throwErrors: true });
  const expected: number = config.browsers.length;
  return new Promise((done) => {
    // each engine's own results, summed: a spec counts once per engine it ran in
    const tally: Tally = { passed: 0, failed: 0 };
    let completed = 0;
    const server = new karma.Server(config, (exitCode: number) => {
      // an engine that crashed or never ran counts as a failure, even with no spec failed
      if (completed < expected) tally.failed += expected - completed;
      else if (exitCode !== 0 && tally.failed === 0) tally.failed = 1;
      done(tally);
    });
    server.on('browser_complete', (browser: { lastResult: { success: number; failed: number; error: boolean; disconnected: boolean } }) => {
      const { success, failed, error, disconnected } = browser.lastResult;
      completed += 1;
      tally.passed += success;
      tally.failed += failed + (failed === 0 && (error || disconnected) ? 1 : 0);
    });
    server.start();
  });
}

async function main(): Promise<void> {
  const total: Tally = { passed: 0, failed: 0 };
  const add = (tally: Tally): void => {
    total.passed += tally.passed;
    total.failed += tally.failed;
  };
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (!typecheck() || !buildPackage()) {
    total.failed += 1;
  } else {
    if (only !== 'browser') add(docs());
    if (only !== 'browser') add(packageCheck());
    if (only !== 'browser') add(await nodeTier());
    if (only !== 'browser') add(angularApp());
    if (only !== 'node') add(await browserTier());
    if (only !== 'node') add(angularChangeDetection());
  }
  console.log(`\n${total.passed} passed, ${total.failed} failed`);
  process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
}

void main();
