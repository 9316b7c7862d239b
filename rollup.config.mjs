import typescript from '@rollup/plugin-typescript';

// Nothing is bundled that a host app or Node already provides: rxjs is a peer dependency,
// socket.io-client and node-datachannel optional ones, and the server's ws/uuid/ioredis/prom-client
// are ordinary dependencies that only rtcpool/server imports.
const external = (id) => /^(rxjs|ws|uuid|socket\.io-client|node-datachannel|ioredis|prom-client)(\/|$)/.test(id) || id.startsWith('node:');

const ts = () => typescript({ tsconfig: './tsconfig.build.json', outputToFilesystem: false });

const entry = (input, name, { banner } = {}) => ({
  input,
  external,
  plugins: [ts()],
  output: [
    { file: `dist/${name}.mjs`, format: 'es', sourcemap: true, banner },
    { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true, exports: 'named', banner },
  ],
});

export default [
  entry('src/index.ts', 'index'),
  entry('src/server/index.ts', 'server'),
  entry('src/testing/index.ts', 'testing'),
  entry('src/node/index.ts', 'node'),
  {
    input: 'src/server/cli.ts',
    external,
    plugins: [ts()],
    output: { file: 'dist/cli.cjs', format: 'cjs', banner: '#!/usr/bin/env node' },
  },
];
