// The bench page's script (bench/page/bench.ts) as the benchmarks load it: one IIFE, with
// `rtcpool` taken from a build's dist and rtcpool 3.0.2 (the P1·3 baseline) bundled beside it.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { babelRuntimePlugin } from './babelRuntimePlugin.cjs';

const root = join(import.meta.dirname, '..');

/**
 * Bundles the bench page against the rtcpool build whose entry is `rtcpoolEntry` (a dist's
 * index.mjs); `plugins` run after the Babel stand-in. Module comments name paths relative to the
 * repository root.
 */
export async function bundleBenchPage(rtcpoolEntry: string, plugins: readonly Plugin[] = []): Promise<string> {
  const result = await build({
    entryPoints: [join(root, 'bench', 'page', 'bench.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    absWorkingDir: root,
    alias: { rtcpool: rtcpoolEntry },
    plugins: [babelRuntimePlugin, ...plugins],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Bundles one page script of a benchmark (a file under bench/page, or `stdin`) as an IIFE against
 * this repository's build, dist/index.mjs.
 */
export async function bundleDistPage(source: Pick<BuildOptions, 'entryPoints' | 'stdin' | 'globalName'>): Promise<string> {
  const result = await build({
    ...source,
    bundle: true,
    format: 'iife',
    write: false,
    alias: { rtcpool: join(root, 'dist/index.mjs') },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** An HTTP server whose pages all load `script`, served at `/${name}`. */
export function scriptPageServer(name: string, script: string): Server {
  return createServer((request, response) => {
    if (request.url === `/${name}`) response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script src="/${name}"></script>`);
  });
}
