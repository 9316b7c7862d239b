import { createRequire } from 'node:module';
import type * as NativeModule from 'node-datachannel';
import type * as PolyfillModule from 'node-datachannel/polyfill';
import { unsupported } from './unsupported';

/** The npm package `rtcpool/node` runs on: an optional peer dependency, installed by the app. */
export const NODE_DATACHANNEL_PACKAGE = 'node-datachannel';

/** The parts of node-datachannel the bridge uses: the native binding and its W3C polyfill. */
export interface NodeDataChannelModules {
  readonly native: typeof NativeModule;
  readonly polyfill: typeof PolyfillModule;
}

/** What constructing a Node peer connection says when node-datachannel cannot be loaded. */
export function missingPackageMessage(cause: unknown): string {
  return (
    `rtcpool/node needs the optional peer dependency '${NODE_DATACHANNEL_PACKAGE}': ` +
    `install it with \`npm install ${NODE_DATACHANNEL_PACKAGE}\` ` +
    `(it could not be loaded: ${cause instanceof Error ? cause.message : String(cause)})`
  );
}

/**
 * Loads node-datachannel once, at the first import of `rtcpool/node`. A missing package (or a
 * missing native binary) is not thrown here: importing `rtcpool/node` must stay safe for code
 * that only passes the class around, so the failure is kept and thrown by the constructors.
 */
function load(): NodeDataChannelModules | Error {
  try {
    // require, not import: the entry must load without the package, and the constructors are synchronous
    const require = createRequire(import.meta.url);
    return {
      native: require(NODE_DATACHANNEL_PACKAGE) as typeof NativeModule,
      polyfill: require(`${NODE_DATACHANNEL_PACKAGE}/polyfill`) as typeof PolyfillModule,
    };
  } catch (error) {
    return unsupported(missingPackageMessage(error), error);
  }
}

/** node-datachannel, or the typed `unsupported` error to throw because it is missing. */
export const nodeDataChannel: NodeDataChannelModules | Error = load();

/**
 * A stand-in base class for when node-datachannel is missing: constructing it throws the load
 * error, so `new RTCPeerConnection()` from `rtcpool/node` fails at once and names the package.
 */
export function missingBase<T>(error: Error): T {
  return class {
    constructor() {
      throw error;
    }
  } as unknown as T;
}
