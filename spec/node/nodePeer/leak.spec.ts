import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../../..');
/** How long a process may take to end by itself once its work is done. */
const EXIT_WITHIN_MS = 5_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: string[];
  /** From the last line of output to the end of the process. */
  readonly exitAfterMs: number;
}

/** Runs a TypeScript file in a child Node; kills it (and says so) if it does not end in time. */
function runChild(file: string, args: string[], workMs: number): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let lastOutput = Date.now();
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      lastOutput = Date.now();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), workMs + EXIT_WITHIN_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, lines: output.trim().split('\n').filter(Boolean), exitAfterMs: Date.now() - lastOutput });
    });
  });
}

describe('RTCPeerConnection (rtcpool/node) and native handles', () => {
  const dirs: string[] = [];

  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('leaks no native peer connection over 100 create/connect/close cycles: sockets come back, the process exits by itself', async function () {
    this.timeout(120_000);
    const run = await runChild(join(__dirname, 'support', 'cycles.ts'), ['100'], 100_000);
    expect(run.signal, 'the child had to be killed: something native kept it alive').to.equal(null);
    expect(run.code).to.equal(0);
    const summary = JSON.parse(run.lines.at(-1)!) as { cycles: number; failures: number; socketsBefore: number; socketsAfter: number; errors: string[] };
    expect(summary).to.deep.include({ cycles: 100, failures: 0, errors: [] });
    expect(summary.socketsAfter).to.equal(summary.socketsBefore);
    expect(run.exitAfterMs).to.be.lessThan(EXIT_WITHIN_MS);
  });

  it('leaks no native peer connection over 100 join/close cycles of two Pools on a real server (half closed mid-setup): sockets come back, the process exits by itself', async function () {
    this.timeout(180_000);
    const run = await runChild(join(__dirname, 'support', 'poolCycles.ts'), ['100'], 150_000);
    expect(run.signal, 'the child had to be killed: something native kept it alive').to.equal(null);
    expect(run.code).to.equal(0);
    const summary = JSON.parse(run.lines.at(-1)!) as {
      cycles: number;
      failures: number;
      connections: number;
      open: number;
      socketsBefore: number;
      socketsAfter: number;
      errors: string[];
    };
    expect(summary).to.deep.include({ cycles: 100, failures: 0, open: 0, errors: [] });
    // every even cycle meshes (two connections); odd ones close while the connection is being made
    expect(summary.connections).to.be.at.least(100);
    expect(summary.socketsAfter).to.equal(summary.socketsBefore);
    expect(run.exitAfterMs).to.be.lessThan(EXIT_WITHIN_MS);
  });

  it('leaves no native data channel over 10 rounds of three Pools whose pool channels all settle a glare: every channel fires close, the process exits by itself', async function () {
    this.timeout(60_000);
    const run = await runChild(join(__dirname, 'support', 'poolChannelCycles.ts'), ['10'], 45_000);
    expect(run.signal, 'the child had to be killed: something native kept it alive').to.equal(null);
    expect(run.code).to.equal(0);
    const summary = JSON.parse(run.lines.at(-1)!) as { cycles: number; failures: number; connections: number; channels: number; unclosed: number; errors: string[] };
    expect(summary).to.deep.include({ cycles: 10, failures: 0, connections: 60, unclosed: 0, errors: [] });
    // per connection and side: the control channel and the kept glare channel, and usually the lost one
    expect(summary.channels).to.be.within(120, 180);
    expect(run.exitAfterMs).to.be.lessThan(EXIT_WITHIN_MS);
  });

  it('fails at construction with an unsupported error naming node-datachannel when the package is missing; importing works', async function () {
    this.timeout(30_000);
    // the entry on its own, where no node_modules holds node-datachannel
    const root = mkdtempSync(join(tmpdir(), 'rtcpool-node-'));
    dirs.push(root);
    // the entry's folder, and the one module outside it that it imports (the typed error)
    const dir = join(root, 'node');
    mkdirSync(dir);
    copyFileSync(join(ROOT, 'src', 'errors.ts'), join(root, 'errors.ts'));
    const source = join(ROOT, 'src', 'node');
    for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
    writeFileSync(
      join(dir, 'child.ts'),
      [
        "import { RTCPeerConnection, NODE_DATACHANNEL_PACKAGE } from './index';",
        'try {',
        '  new RTCPeerConnection();',
        "  console.log(JSON.stringify({ constructed: true }));",
        '} catch (error) {',
        '  const { code, message, name } = error as { code: string; message: string; name: string };',
        '  console.log(JSON.stringify({ imported: NODE_DATACHANNEL_PACKAGE, code, name, message }));',
        '}',
      ].join('\n'),
    );
    // a node_modules above the temporary folder (a stray /tmp/node_modules) would give the child the package
    expect(() => createRequire(join(dir, 'child.ts')).resolve('node-datachannel'), `node-datachannel must not resolve from ${dir}`).to.throw();
    const run = await runChild(join(dir, 'child.ts'), [], 20_000);
    expect(run.code).to.equal(0);
    const result = JSON.parse(run.lines.at(-1)!) as { imported: string; code: string; message: string };
    expect(result.imported).to.equal('node-datachannel');
    expect(result.code).to.equal('unsupported');
    expect(result.message).to.contain("optional peer dependency 'node-datachannel'");
    expect(result.message).to.contain('npm install node-datachannel');
  });
});
