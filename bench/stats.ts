/** The median of some samples (the middle one, or the mean of the two middle ones). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One row of the results table. */
export interface Row {
  readonly id: string;
  readonly what: string;
  readonly ours: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  /** Whether the target is met; null where a row has no target. */
  readonly met: boolean | null;
}

/** The results as a Markdown table. */
export function table(rows: readonly Row[]): string {
  const lines = [
    '| id | what | rtcpool | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${r.what} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
  ];
  return lines.join('\n');
}

export const fixed = (value: number, digits = 2): string => value.toFixed(digits);
/** The list turned by `by` places: run `i` of cases in `rotated(cases, i)` order, so no case always goes first. */
export const rotated = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;

/**
 * Runs one benchmark file on its own (`node --import tsx bench/x.ts`): progress on stderr, its
 * rows as a table on stdout, and an exit code that says whether it ran.
 */
export function printRows(rows: (log: (line: string) => void) => Promise<Row[]>): void {
  rows((line) => void process.stderr.write(`${line}\n`)).then(
    (made) => {
      process.stdout.write(`${table(made)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
