// One browser run at a time on this 2-core machine: karma runs and benchmarks that drive a
// browser take the same lock file, /tmp/rtcpool-karma.lock (`flock /tmp/rtcpool-karma.lock …`).
import { spawn } from 'node:child_process';

/** The lock file every browser run of this project takes. */
export const BROWSER_LOCK = '/tmp/rtcpool-karma.lock';

/**
 * Waits for the browser lock and holds it until the returned function is called. A `flock`
 * child holds it (Node has no flock of its own): it says `locked` once it has it, then waits on
 * its standard input; closing that (or this process ending) lets it go.
 */
export async function holdBrowserLock(log: (line: string) => void = () => undefined): Promise<() => Promise<void>> {
  const child = spawn('flock', [BROWSER_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting = setTimeout(() => log(`waiting for ${BROWSER_LOCK} (another browser run holds it)`), 1000);
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`flock ${BROWSER_LOCK} ended (${code}) before taking the lock`)));
  }).finally(() => clearTimeout(waiting));
  return async () => {
    child.stdin.end();
    await exited;
  };
}
