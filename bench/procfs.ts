// The processes this one started, read from /proc (Linux): for the benchmarks that watch the
// browsers' CPU (bench/quiesce.ts, bench/profile/pageRenderer.ts).
import { readdirSync, readFileSync } from 'node:fs';

/** A /proc file's text; null when its process or thread ended between listing and reading. */
export function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The processes started by this one, directly or not: the browsers, their helpers, esbuild's service. */
export function descendants(): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    // the command name in parentheses may hold spaces: the parent pid is the 2nd field after it
    if (stat) parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  return [...parentOf.keys()].filter((pid) => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === process.pid) return true;
    return false;
  });
}
