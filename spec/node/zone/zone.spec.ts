// zone.js patches Promise, timers and EventEmitter for a whole process, and under it other specs
// fail (ioredis in the cluster specs answers rtc:error). So the zone specs (isolated/*.zone.ts,
// with the real zone.js) run in a mocha process of their own, started here as this file loads,
// and each of their results is a test of this run, under its own describe.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Result {
  readonly title: string;
  readonly fullTitle: string;
  readonly err: { readonly message?: string; readonly stack?: string };
}

const dir = join(import.meta.dirname, 'isolated');
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.zone.ts'))
  .map((file) => join(dir, file));

function runIsolated(): { results: readonly Result[]; failure: string | null } {
  const out = mkdtempSync(join(tmpdir(), 'rtcpool-zone-specs-'));
  const report = join(out, 'report.json');
  try {
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', mocha, '--timeout', '10000', '--reporter', 'json', '--reporter-option', `output=${report}`, ...files],
      { encoding: 'utf8' },
    );
    try {
      const { tests } = JSON.parse(readFileSync(report, 'utf8')) as { tests: Result[] };
      return { results: tests, failure: tests.length === 0 ? 'the isolated zone specs ran no test' : null };
    } catch {
      return { results: [], failure: `the isolated zone specs did not report (exit ${run.status}): ${run.stderr}` };
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const { results, failure } = runIsolated();
const suites = new Map<string, Result[]>();
for (const result of results) {
  const suite = result.fullTitle.slice(0, -result.title.length).trim();
  suites.set(suite, [...(suites.get(suite) ?? []), result]);
}

describe('zone.js awareness (specs run in a process of their own)', () => {
  it('leaves this process without zone.js', () => {
    expect((globalThis as { Zone?: unknown }).Zone).to.equal(undefined);
  });
  if (failure !== null) {
    it('runs the isolated zone specs', () => {
      throw new Error(failure);
    });
  }
  for (const [suite, tests] of suites) {
    describe(suite, () => {
      for (const test of tests) {
        it(test.title, () => {
          if (test.err.message !== undefined) throw Object.assign(new Error(test.err.message), { stack: test.err.stack });
        });
      }
    });
  }
});
