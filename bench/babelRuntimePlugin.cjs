// An esbuild plugin that resolves every `@babel/runtime/...` import of rtcpool 3.0.2 to its
// stand-in in babelRuntime.cjs (3.0.2 requires @babel/runtime without declaring it). The bench
// page and the browser specs that mesh with 3.0.2 peers both bundle 3.0.2 with it.
const { join } = require('node:path');

/** @type {import('esbuild').Plugin} */
const babelRuntimePlugin = {
  name: 'babel-runtime',
  setup(builder) {
    builder.onResolve({ filter: /^@babel\/runtime\// }, ({ path }) => ({ path: path.split('/').pop(), namespace: 'babel-runtime' }));
    builder.onLoad({ filter: /.*/, namespace: 'babel-runtime' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(join(__dirname, 'babelRuntime.cjs'))}).${path};`,
      resolveDir: __dirname,
    }));
  },
};

module.exports = { babelRuntimePlugin };
