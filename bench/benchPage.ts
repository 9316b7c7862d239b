// The bench page's script (bench/page/bench.ts) as the benchmarks load it: one IIFE, with
// `rtcpool` taken from a build's dist and rtcpool 3.0.2 (the P1·3 baseline) bundled beside it.
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
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
