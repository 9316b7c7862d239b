// Which Chromium process renders the profiled page, and its main thread's CPU time, from /proc
// (Linux): /proc/<pid>/task/<pid>/schedstat holds a thread's on-CPU ns and the ns it waited,
// runnable, for a CPU. The renderer is found by making the page spin and seeing whose main thread
// ran: Chromium does not say which process renders which tab.
import { readdirSync, readFileSync } from 'node:fs';

/** A thread's on-CPU and run-queue-wait time so far (ns). */
export interface ThreadTimes {
  readonly cpuNs: number;
  readonly waitNs: number;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // the process ended between listing and reading
    return null;
  }
};

/** The main thread's times of a process; null once it is gone. */
export function mainThreadTimes(pid: number): ThreadTimes | null {
  const stat = read(`/proc/${pid}/task/${pid}/schedstat`);
  if (!stat) return null;
  const [cpuNs, waitNs] = stat.split(' ').map(Number);
  return { cpuNs: cpuNs!, waitNs: waitNs! };
}

/** The command lines of the processes this one started, directly or not, by pid. */
function descendants(): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    // the command name in parentheses may hold spaces: the parent pid is the 2nd field after it
    if (stat) parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const found = new Map<number, string>();
  for (const pid of parentOf.keys()) {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p !== process.pid) continue;
      found.set(pid, (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' '));
      break;
    }
  }
  return found;
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
    const renderers = [...descendants()]
      .filter(([, command]) => command.includes('--type=renderer') && !command.includes('--top-chrome-webui'))
      .map(([pid]) => pid);
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
