import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../../..');
/** Well under the default resume grace period (5 s), which a leftover grace timer would last. */
const EXIT_WITHIN_MS = 2_000;

describe('SignallingServer.close()', () => {
  it('leaves no timer behind: the members it cuts get no resume grace period, and the process exits at once', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'closeWithMembers.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let closedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('closed')) closedAt ||= Date.now();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (...result) => done(result)));
    clearTimeout(killer);
    expect(signal).to.equal(null);
    expect(code).to.equal(0);
    expect(output.trim()).to.equal('closed');
    expect(Date.now() - closedAt, 'time from close() to the end of the process').to.be.lessThan(EXIT_WITHIN_MS);
  });
});
