// Which Chromium process renders the profiled page, and its main thread's CPU time, from /proc
// (Linux): /proc/<pid>/task/<pid>/schedstat holds a thread's on-CPU ns and the ns it waited,
// runnable, for a CPU. The renderer is found by making the page spin and seeing whose main thread
// ran: Chromium does not say which process renders which tab.
import { descendants, readProc } from '../procfs';

/** A thread's on-CPU and run-queue-wait time so far (ns). */
export interface ThreadTimes {
  readonly cpuNs: number;
  readonly waitNs: number;
}

/** The main thread's times of a process; null once it is gone. */
export function mainThreadTimes(pid: number): ThreadTimes | null {
  const stat = readProc(`/proc/${pid}/task/${pid}/schedstat`);
  if (!stat) return null;
  const [cpuNs, waitNs] = stat.split(' ').map(Number);
  return { cpuNs: cpuNs!, waitNs: waitNs! };
}

/** How long the page spins while the renderers are watched (ms). */
export const PROBE_MS = 20;
/** How many spins before giving up: another renderer (a closing tab's, say) may be busy during one. */
export const PROBE_TRIES = 3;

/**
 * The pid of the page's renderer: of the tab renderers (not the browser's WebUI one), the one whose
 * main thread ran while `spin(PROBE_MS)` kept the page busy. Null when in PROBE_TRIES spins no
 * renderer clearly did (it ran under a quarter of the spin, or another ran half as much).
 */
export async function pageRenderer(spin: (ms: number) => Promise<unknown>): Promise<number | null> {
  for (let attempt = 0; attempt < PROBE_TRIES; attempt += 1) {
    const renderers = descendants().filter((pid) => {
      const command = readProc(`/proc/${pid}/cmdline`) ?? '';
      return command.includes('--type=renderer') && !command.includes('--top-chrome-webui');
    });
    const before = renderers.map((pid) => mainThreadTimes(pid)?.cpuNs ?? NaN);
    await spin(PROBE_MS);
    const ran = renderers.map((pid, i) => ((mainThreadTimes(pid)?.cpuNs ?? NaN) - before[i]!) / 1e6);
    const best = ran.reduce((at, ms, i) => (Number.isFinite(ms) && (at < 0 || ms > ran[at]!) ? i : at), -1);
    if (best < 0 || ran[best]! < PROBE_MS / 4) continue;
    const next = Math.max(0, ...ran.filter((ms, i) => i !== best && Number.isFinite(ms)));
    if (next <= ran[best]! / 2) return renderers[best]!;
  }
  return null;
}
