/** A profiled case that takes longer than this fails the run (ms). */
export const CASE_TIMEOUT_MS = 60_000;

/** The case's result, or a rejection naming `what` once {@link CASE_TIMEOUT_MS} has passed. */
export async function withCaseTimeout<T>(run: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([run, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), CASE_TIMEOUT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}
