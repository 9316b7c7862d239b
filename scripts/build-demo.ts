// Builds the demo page against the built library (dist/index.mjs), as an app's bundler would.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist/demo');
mkdirSync(out, { recursive: true });
void build({
  entryPoints: [join(root, 'demo/app.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: 'es2022',
  alias: { rtcpool: join(root, 'dist/index.mjs') },
  logLevel: 'warning',
}).then(
  () => copyFileSync(join(root, 'demo/index.html'), join(out, 'index.html')),
  () => process.exit(1),
);
