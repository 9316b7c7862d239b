// P3 in an Angular app: how much a production Angular 22 build grows with the README recipe
// (examples/angular-app). The app is built twice in the same run, as is and with the `baseline`
// configuration, which swaps room.service.ts for room.service.baseline.ts (the same service
// surface as plain rxjs values, no rtcpool code); the growth is the gzip -9 size of the initial
// JavaScript (every .js file the browser build's index.html loads, and what those import
// statically) of the first build minus the second's. The server build is left out.
//
// `node --import tsx bench/angularBundle.ts` prints the row, then which packages the growth is
// made of. Needs the root `npm run build` (the app installs rtcpool from a fresh `npm pack`, as
// scripts/angular.ts does; that takes about a minute when the app's lockfile changed).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { appNode, install, ngCli, run } from '../scripts/angular';
import { fixed, kb, table, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** The target of issue 29 (issue 16 asked for 9 KB): what the README recipe may add to an Angular production build. */
const ANGULAR_GROWTH_TARGET_BYTES = 12 * 1024;

/** One production build of the app, browser side. */
interface AppBuild {
  /** The initial .js files, as index.html names them, with their gzip -9 sizes. */
  readonly files: ReadonlyMap<string, number>;
  /** gzip -9 bytes of all initial JavaScript, each file compressed on its own as it is served. */
  readonly gzip: number;
  /** Minified bytes of the initial JavaScript by npm package ('app' for the app's own code). */
  readonly packages: ReadonlyMap<string, number>;
}

/** The npm package a bundled module comes from ('app' outside node_modules). */
function packageOf(input: string): string {
  const inModules = input.lastIndexOf('node_modules/');
  if (inModules < 0) return 'app';
  const parts = input.slice(inModules + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * The .js files a browser fetches before the app runs: index.html's scripts and module
 * preloads, closed over static imports (esbuild's metafile, so nothing is guessed from the
 * minified text). Lazy chunks (dynamic imports) are not initial and stay out.
 */
function initialFiles(browserDir: string, metafile: Metafile): string[] {
  const html = readFileSync(join(browserDir, 'index.html'), 'utf8');
  const named = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\srel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((match) => match[1]!);
  if (named.length === 0) throw new Error(`no <script src> in ${join(browserDir, 'index.html')}`);
  const files = new Set(named);
  for (const file of files) {
    const output = metafile.outputs[file];
    if (output === undefined) throw new Error(`${file} (named in index.html) is not in the build's stats.json`);
    for (const { path, kind } of output.imports) if (kind === 'import-statement' && path.endsWith('.js')) files.add(path);
  }
  return [...files];
}

/** `ng build` with `configuration` into a temporary directory (the app's own dist is left alone). */
function buildApp(configuration: string, log: (line: string) => void): AppBuild {
  const out = mkdtempSync(join(tmpdir(), 'rtcpool-ng-bundle-'));
  try {
    log(`  ng build --configuration ${configuration}`);
    // the CLI's output goes to stderr: stdout carries only the table
    // Angular's chunk optimizer (a second bundling pass) runs only on a build with 3 or more lazy
    // chunks: the recipe's build (rtcpool's features loaded on first use), not the baseline's.
    // Forced on for both, the two builds go through the same pipeline, so the growth is not
    // flattered by the pass the baseline skips (0.3 KB) and both stats files count module bytes
    // the same way (the pass reports its own lengths, about 1.29 × the minified bytes).
    const env = { ...process.env, NG_BUILD_OPTIMIZE_CHUNKS: '1' };
    const ok = run(appNode, [ngCli, 'build', '--configuration', configuration, '--output-path', out, '--stats-json'], { stdio: ['ignore', 2, 2], env });
    if (!ok) throw new Error(`ng build --configuration ${configuration} failed (see above)`);
    const browserDir = join(out, 'browser');
    const metafile = JSON.parse(readFileSync(join(out, 'browser-stats.json'), 'utf8')) as Metafile;
    const files = new Map<string, number>();
    const packages = new Map<string, number>();
    for (const file of initialFiles(browserDir, metafile)) {
      files.set(file, gzipSync(readFileSync(join(browserDir, file)), { level: 9 }).length);
      for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]!.inputs)) {
        packages.set(packageOf(input), (packages.get(packageOf(input)) ?? 0) + bytesInOutput);
      }
    }
    return { files, gzip: [...files.values()].reduce((sum, size) => sum + size, 0), packages };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Both builds of one run: the app as it is, and the same app with the recipe's rtcpool parts stubbed out. */
async function measure(log: (line: string) => void): Promise<{ recipe: AppBuild; baseline: AppBuild }> {
  if (!existsSync(join(root, 'dist/index.mjs'))) throw new Error('no dist/: run `npm run build` at the root first');
  log('  installing examples/angular-app (rtcpool from a fresh npm pack)');
  // npm's output to stderr, like the CLI's below
  if (!install(['ignore', 2, 2])) throw new Error('could not install examples/angular-app');
  const recipe = buildApp('production', log);
  const baseline = buildApp('production,baseline', log);
  // the difference means something only if the stub really took rtcpool out, and only rtcpool
  if (!recipe.packages.has('rtcpool')) throw new Error('the production build of examples/angular-app contains no rtcpool module');
  if (baseline.packages.has('rtcpool')) throw new Error('the baseline build still contains rtcpool: is room.service.baseline.ts swapped in?');
  return { recipe, baseline };
}

/**
 * What the growth is made of, by package (gzip does not split by module): the bytes the chunk
 * optimizer's stats give each module, about 1.29 × the minified bytes, the same scale in both builds.
 */
function breakdown({ recipe, baseline }: { recipe: AppBuild; baseline: AppBuild }): string {
  const names = [...new Set([...recipe.packages.keys(), ...baseline.packages.keys()])];
  const rows = names
    .map((name) => ({ name, with: recipe.packages.get(name) ?? 0, without: baseline.packages.get(name) ?? 0 }))
    .sort((a, b) => b.with - b.without - (a.with - a.without));
  const files = (build: AppBuild): string => [...build.files].map(([file, size]) => `${file} ${kb(size)}`).join(', ');
  return [
    `initial JavaScript, gzip -9: with the recipe ${kb(recipe.gzip)} (${files(recipe)}); baseline ${kb(baseline.gzip)} (${files(baseline)})`,
    '',
    '| package | bytes (optimizer\'s count), with the recipe | the same, baseline | growth |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.with} B | ${r.without} B | ${r.with - r.without >= 0 ? '+' : ''}${r.with - r.without} B |`),
  ].join('\n');
}

function rowsOf({ recipe, baseline }: { recipe: AppBuild; baseline: AppBuild }): Row[] {
  const growth = recipe.gzip - baseline.gzip;
  return [
    {
      id: 'P3',
      what: 'Angular 22 production build (examples/angular-app): growth of the initial JS, gzip -9, with the README recipe',
      ours: kb(growth),
      baseline: `same app with the recipe stubbed out: ${kb(baseline.gzip)}`,
      ratio: `${kb(recipe.gzip)} with it, ${fixed(recipe.gzip / baseline.gzip)} ×`,
      target: `≤ ${kb(ANGULAR_GROWTH_TARGET_BYTES)}`,
      met: growth <= ANGULAR_GROWTH_TARGET_BYTES,
    },
  ];
}

/** The Angular row of P3: builds examples/angular-app twice (with and without the recipe) in this run. */
export async function angularBundleRows(log: (line: string) => void): Promise<Row[]> {
  return rowsOf(await measure(log));
}

if (process.argv[1]?.endsWith(join('bench', 'angularBundle.ts'))) {
  void (async () => {
    const measured = await measure((line) => void process.stderr.write(`${line}\n`));
    process.stdout.write(`${table(rowsOf(measured))}\n\n${breakdown(measured)}\n`);
  })();
}
