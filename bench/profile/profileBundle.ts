// The bench page bundle of bench/profile/p1Profile.ts: the benchmarks' page (bench/benchPage.ts)
// for one rtcpool dist, with the module of every line of the bundle, so that each CPU profile
// sample can be charged to rtcpool, rxjs, 3.0.2 or the page's own code.
import type { Plugin } from 'esbuild';
import { existsSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { bundleBenchPage } from '../benchPage';

const root = join(import.meta.dirname, '..', '..');
const babelShim = join(root, 'bench', 'babelRuntime.cjs');

/** Whose code a bundle line can be: ours (`rtcpool` + `rxjs`), 3.0.2's (`v3`), the bench page's, or none of those. */
export const BUCKETS = ['rtcpool', 'rxjs', 'v3', 'page', 'other'] as const;
/** Whose code a bundle line is (see {@link BUCKETS}). */
export type Bucket = (typeof BUCKETS)[number];

/** The module a bundle line came from. */
export interface LineModule {
  readonly bucket: Bucket;
  /** Its path relative to this checkout (a dist elsewhere shows as `../…`). */
  readonly file: string;
}

/** One bundle of the bench page, and the module of each of its lines (0-based, as CDP counts them). */
export interface ProfileBundle {
  readonly dist: string;
  readonly script: string;
  readonly lines: readonly LineModule[];
}

const PINNED = Symbol('pinned');
/**
 * rxjs and tslib always come from this checkout, whatever dist imports them: two builds compared
 * in one run then differ only in rtcpool's own code, and a dist with no node_modules beside it
 * (a copy of another build) still bundles.
 */
const pinnedDependencies: Plugin = {
  name: 'pinned-dependencies',
  setup(builder) {
    builder.onResolve({ filter: /^(rxjs|tslib)(\/|$)/ }, async ({ path, kind, pluginData }) => {
      if (pluginData === PINNED) return undefined;
      const found = await builder.resolve(path, { kind, resolveDir: root, pluginData: PINNED });
      return found.errors.length > 0 ? { errors: found.errors } : { path: found.path, namespace: found.namespace, sideEffects: found.sideEffects };
    });
  },
};

/** Whose code a module is (esbuild's own helpers at the top of the bundle are nobody's: `other`). */
function bucketOf(file: string, dist: string): Bucket {
  if (file.startsWith(dist + sep)) return 'rtcpool';
  if (/[\\/]node_modules[\\/](rxjs|tslib)[\\/]/.test(file)) return 'rxjs';
  if (/[\\/]node_modules[\\/]rtcpool3[\\/]/.test(file) || file === babelShim) return 'v3';
  if (file.startsWith(join(root, 'bench', 'page') + sep)) return 'page';
  return 'other';
}

/**
 * The module of every line, from esbuild's `// path` comment at the head of each module (indented
 * inside the IIFE). Only comments naming a file that exists count: a source comment that merely
 * looks like one is skipped; 3.0.2's Babel helpers appear as `// babel-runtime:<name>`.
 */
function lineModules(script: string, dist: string): LineModule[] {
  let current: LineModule = { bucket: 'other', file: '(bundle)' };
  return script.split('\n').map((line) => {
    const marker = /^\s*\/\/ (\S+)$/.exec(line)?.[1];
    if (marker?.startsWith('babel-runtime:')) current = { bucket: 'v3', file: marker };
    else if (marker && existsSync(resolve(root, marker))) {
      const file = realpathSync(resolve(root, marker));
      current = { bucket: bucketOf(file, dist), file: relative(root, file) };
    }
    return current;
  });
}

/** Bundles the bench page against the rtcpool build in `dist` (a directory holding index.mjs). */
export async function profileBundle(dist: string): Promise<ProfileBundle> {
  const realDist = realpathSync(dist);
  const script = await bundleBenchPage(join(realDist, 'index.mjs'), [pinnedDependencies]);
  const lines = lineModules(script, realDist);
  const found = new Set(lines.map((l) => l.bucket));
  for (const bucket of BUCKETS.filter((bucket) => bucket !== 'other')) {
    if (!found.has(bucket)) throw new Error(`${realDist}: no ${bucket} code found in the bench page bundle (its module comments changed?)`);
  }
  return { dist: realDist, script, lines };
}
