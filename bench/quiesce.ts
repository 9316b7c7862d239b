// Waits, before a timed browser case, until the browsers this process started are idle. A new
// Chromium tab starts a WebUI renderer (--top-chrome-webui) that burns ≈ 200 ms of CPU in its
// first second; on this 2-core machine that overlapped the first timed case of every page and
// inflated P1 (N = 4 setup: ≈ 175 ms with it, ≈ 97 ms once the browser was idle first).
// CPU time comes from /proc (Linux): every thread's on-CPU ns in /proc/<pid>/task/<tid>/schedstat.
import { readdirSync } from 'node:fs';
import { descendants, readProc } from './procfs';

/** The length of one window over which the browser's CPU is measured (ms). */
export const IDLE_WINDOW_MS = 100;
/** Idle: all the browser's processes together ran for less than this in one window (ms). */
export const IDLE_CPU_MS = 3;
/** The longest wait: a browser that is never idle delays a case by this much, not forever (ms). */
export const IDLE_MAX_MS = 5_000;

/** On-CPU ns of every thread of some processes, by "pid/tid". */
function threadCpu(pids: readonly number[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const stat = readProc(`/proc/${pid}/task/${tid}/schedstat`);
      if (stat) times.set(`${pid}/${tid}`, Number(stat.split(' ')[0]));
    }
  }
  return times;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once this process's child processes together used less than IDLE_CPU_MS of CPU in
 * one IDLE_WINDOW_MS window: true then, false if they never did within IDLE_MAX_MS.
 */
export async function untilIdle(): Promise<boolean> {
  const until = Date.now() + IDLE_MAX_MS;
  let before = threadCpu(descendants());
  while (Date.now() < until) {
    await sleep(IDLE_WINDOW_MS);
    // listed again each window: a process or thread that started during it counts in full; one
    // that ended is left out (summing per process instead would drop its whole past and go negative)
    const now = threadCpu(descendants());
    let used = 0;
    for (const [thread, ns] of now) used += ns - (before.get(thread) ?? 0);
    if (used / 1e6 < IDLE_CPU_MS) return true;
    before = now;
  }
  return false;
}
