import typescript from '@rollup/plugin-typescript';

// Nothing is bundled that a host app or Node already provides: rxjs is a peer dependency,
// socket.io-client an optional one, and the server's ws/uuid are ordinary dependencies.
const external = (id) => /^(rxjs|ws|uuid|socket\.io-client)(\/|$)/.test(id) || id.startsWith('node:');

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
  {
    input: 'src/server/cli.ts',
    external,
    plugins: [ts()],
    output: { file: 'dist/cli.cjs', format: 'cjs', banner: '#!/usr/bin/env node' },
  },
];
