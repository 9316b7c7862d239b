// P3: browser bundle size, minified and gzipped, against simple-peer, PeerJS and trystero
// bundled the same way (esbuild, browser platform, ESM, minified; gzip -9).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fixed, kb, type Row } from './stats';

const root = join(import.meta.dirname, '..');
/** The target of issue 6: the browser bundle, rxjs external. */
const TARGET_BYTES = 6 * 1024;

async function gzippedSize(entry: string, external: string[] = []): Promise<number> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external,
    logLevel: 'silent',
    define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
    // the built package, as an app would get it from the registry
    alias: { rtcpool: join(root, 'dist/index.mjs') },
  });
  return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
}

export async function bundleRows(): Promise<Row[]> {
  const everything = "export * from 'rtcpool';";
  const ours = await gzippedSize(everything, ['rxjs']);
  const withRxjs = await gzippedSize(everything);
  const typical = await gzippedSize("export { Pool, signalling } from 'rtcpool';", ['rxjs']);
  const rivals = {
    'simple-peer': await gzippedSize("export { default } from 'simple-peer';"),
    peerjs: await gzippedSize("export * from 'peerjs';"),
    trystero: await gzippedSize("export * from 'trystero';"),
  };
  const smallest = Math.min(...Object.values(rivals));
  const rivalText = Object.entries(rivals).map(([name, size]) => `${name} ${kb(size)}`).join(', ');
  return [
    {
      id: 'P3',
      what: 'browser bundle, min+gzip, rxjs external (whole entry)',
      ours: kb(ours),
      baseline: rivalText,
      ratio: `${fixed(ours / smallest)} × smallest`,
      target: `≤ ${kb(TARGET_BYTES)}`,
      met: ours <= TARGET_BYTES,
    },
    { id: 'P3', what: 'only `Pool` and `signalling` imported, rxjs external', ours: kb(typical), baseline: '', ratio: '', target: '', met: null },
    { id: 'P3', what: 'whole entry with the rxjs it pulls in', ours: kb(withRxjs), baseline: rivalText, ratio: `${fixed(withRxjs / smallest)} × smallest`, target: '', met: null },
  ];
}
