import typescript from '@rollup/plugin-typescript';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// Nothing is bundled that a host app or Node already provides: rxjs is a peer dependency,
// socket.io-client and node-datachannel optional ones, and the server's ws/uuid/ioredis/prom-client
// are ordinary dependencies that only rtcpool/server imports.
const external = (id) => /^(rxjs|ws|uuid|socket\.io-client|node-datachannel|ioredis|prom-client)(\/|$)/.test(id) || id.startsWith('node:');

const tsPlugin = () => typescript({ tsconfig: './tsconfig.build.json', outputToFilesystem: false });

const SRC = resolve('src');
/** The CommonJS declarations (`.d.ts`: the package is `"type": "commonjs"`), for `require` and node10. */
const CJS_TYPES = resolve('dist/types');
/** The ES module declarations (`.d.mts`, specifiers ending in `.mjs`), for `import`. */
const ESM_TYPES = resolve('dist/types-esm');

/**
 * The relative specifier of a declaration, as an ES module must spell it: `./connection` becomes
 * `./connection.mjs` and `./server` (a directory) `./server/index.mjs`, which TypeScript maps to
 * the `.d.mts` beside it. Without extensions, node16 resolution of `import` finds nothing, and
 * with `.d.ts` files it reads them as CommonJS ("masquerading as CJS").
 */
function esmSpecifier(fromSource, specifier) {
  const target = resolve(dirname(fromSource), specifier);
  if (existsSync(`${target}.ts`)) return `${specifier}.mjs`;
  if (existsSync(join(target, 'index.ts'))) return `${specifier}/index.mjs`;
  throw new Error(`declarations: cannot resolve '${specifier}' from ${relative(SRC, fromSource)}`);
}

const RELATIVE_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*)\2/g;

/**
 * Emits the declarations twice from one program: `.d.ts` under dist/types and `.d.mts` under
 * dist/types-esm, so each `exports` condition has types in the module format of its code
 * (checked by `attw --pack` and `publint` in the test run). Both trees are cleared first, so no
 * declaration of a deleted source file ships.
 */
function declarations() {
  let done = false;
  return {
    name: 'rtcpool-declarations',
    writeBundle() {
      if (done) return;
      done = true;
      const configPath = resolve('tsconfig.build.json');
      const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
      const options = { ...config.options, declaration: true, emitDeclarationOnly: true, noEmit: false, declarationDir: CJS_TYPES, sourceMap: false, declarationMap: false };
      rmSync(CJS_TYPES, { recursive: true, force: true });
      rmSync(ESM_TYPES, { recursive: true, force: true });
      const program = ts.createProgram(config.fileNames, options);
      const result = program.emit(undefined, (fileName, text) => {
        const source = join(SRC, relative(CJS_TYPES, fileName)).replace(/\.d\.ts$/, '.ts');
        const esmFile = join(ESM_TYPES, relative(CJS_TYPES, fileName)).replace(/\.d\.ts$/, '.d.mts');
        for (const [file, body] of [
          [fileName, text],
          [esmFile, text.replace(RELATIVE_SPECIFIER, (_, lead, quote, spec) => `${lead}${quote}${esmSpecifier(source, spec)}${quote}`)],
        ]) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, body);
        }
      });
      const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length > 0 || result.emitSkipped) {
        throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' }));
      }
    },
  };
}

/** Chunks shared by the entries: cleared first, since their names carry a content hash. */
const CHUNKS = 'chunks';

/**
 * The four entries are built together, so code they share (RtcPoolError, Transceiver, the
 * parser…) lives once, in a chunk each imports: an error thrown by rtcpool/node is an
 * `instanceof RtcPoolError` of rtcpool, and a TestHub transceiver an `instanceof Transceiver`.
 * Built apart, each entry had its own copy of each class.
 */
const library = {
  // an external package imported for nothing but its side effects would be kept as `import 'rxjs'`
  treeshake: { moduleSideEffects: 'no-external' },
  input: { index: 'src/index.ts', server: 'src/server/index.ts', testing: 'src/testing/index.ts', node: 'src/node/index.ts' },
  external,
  plugins: [{ name: 'rtcpool-clean-chunks', buildStart: () => rmSync(resolve('dist', CHUNKS), { recursive: true, force: true }) }, tsPlugin(), declarations()],
  output: ['mjs', 'cjs'].map((extension) => ({
    dir: 'dist',
    format: extension === 'mjs' ? 'es' : 'cjs',
    entryFileNames: `[name].${extension}`,
    chunkFileNames: `${CHUNKS}/[name]-[hash].${extension}`,
    sourcemap: true,
    // code loaded on first use (`import()`: channel(), pool channels, stats) has chunks of its
    // own; hoisting their imports into the entries as bare imports would only make bundlers warn
    // (the package has no side effects) and load them early in unbundled ES module use
    hoistTransitiveImports: false,
    ...(extension === 'cjs' ? { exports: 'named' } : {}),
  })),
};

export default [
  library,
  {
    input: 'src/server/cli.ts',
    external,
    plugins: [tsPlugin()],
    output: { file: 'dist/cli.cjs', format: 'cjs', banner: '#!/usr/bin/env node' },
  },
];
