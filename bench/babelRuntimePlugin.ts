// The esbuild plugin that lets the bench page bundle rtcpool 3.0.2 (the P1·3 baseline).
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

/** rtcpool 3.0.2 requires @babel/runtime without declaring it: bench/babelRuntime.cjs stands in. */
export const babelRuntime: Plugin = {
  name: 'babel-runtime',
  setup(builder) {
    builder.onResolve({ filter: /^@babel\/runtime\// }, ({ path }) => ({ path: path.split('/').pop()!, namespace: 'babel-runtime' }));
    builder.onLoad({ filter: /.*/, namespace: 'babel-runtime' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(join(import.meta.dirname, 'babelRuntime.cjs'))}).${path};`,
      resolveDir: import.meta.dirname,
    }));
  },
};
