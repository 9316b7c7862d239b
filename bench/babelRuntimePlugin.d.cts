import type { Plugin } from 'esbuild';

/** Resolves rtcpool 3.0.2's `@babel/runtime/...` imports to babelRuntime.cjs (see babelRuntimePlugin.cjs). */
export const babelRuntimePlugin: Plugin;
