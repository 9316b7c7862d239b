import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { WsTestClient } from '../../support/wsTestClient';

/** Starts the CLI and resolves with its process and port once it listens. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<[ChildProcess, number]> {
  const cli = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    cli.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (match) resolve(Number(match[1]));
    });
    cli.once('exit', (code) => reject(new Error(`the CLI exited (${code})`)));
  });
  return [cli, port];
}

async function stop(cli: ChildProcess): Promise<void> {
  if (cli.exitCode !== null) return;
  const exited = new Promise((resolve) => cli.once('exit', resolve));
  cli.kill('SIGTERM');
  await exited;
}

describe('rtcpool-server (CLI)', () => {
  const running: ChildProcess[] = [];
  const clients: WsTestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await Promise.all(running.splice(0).map(stop));
  });

  for (const [how, args, env] of [
    ['--secret', ['--secret', 'cli-secret'], {}],
    ['RTCPOOL_SECRET', [], { RTCPOOL_SECRET: 'cli-secret' }],
  ] as const) {
    it(`takes the resume secret from ${how}, so members resume across a restart`, async function () {
      this.timeout(20_000);
      const [first, port] = await startCli(['--port', '0', ...args], env);
      running.push(first);
      const [a, joined] = await WsTestClient.joined(`ws://127.0.0.1:${port}/signal`, 'p');
      clients.push(a);
      await stop(first);
      const [second] = await startCli(['--port', String(port), ...args], env);
      running.push(second);
      const again = await WsTestClient.connect(`ws://127.0.0.1:${port}/signal`);
      clients.push(again);
      again.send('rtc:resume', { id: a.id, pool: 'p', token: joined.token });
      expect((await again.next('rtc:resumed')).client_id).to.equal(a.id);
    });
  }
});
