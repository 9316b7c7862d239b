import { RtcPoolError } from '../errors';

/**
 * Loads the code of an optional feature (`channel()`, pool channels, connection stats) on its
 * first use, so that an app that never uses it never downloads it: the import is dynamic, and a
 * bundler puts the feature in a chunk of its own. A chunk that cannot be fetched (the app's
 * server is gone, a deploy replaced it) rejects with `load-failed`, and the next use tries again.
 *
 * @param what - the feature, for the error message
 * @param load - the dynamic import
 * @returns the loader to call on each use: one import at a time, remembered once it succeeds
 */
export function loadFeature<T>(what: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () =>
    (loading ??= load().catch((cause: unknown) => {
      loading = null;
      throw new RtcPoolError('load-failed', `cannot load the code of ${what}: ${String(cause)}`, { cause });
    }));
}
