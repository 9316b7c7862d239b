import { spawn, type ChildProcess } from 'node:child_process';

/** One `rtcpool-server` process (the CLI, run from source), stopped by its pid. */
export interface CliNode {
  readonly child: ChildProcess;
  /** Its signalling URL. */
  readonly url: string;
  /** Its HTTP origin (for /metrics). */
  readonly http: string;
}

/** How long the CLI may take to listen (tsx compiles it first). */
const START_TIMEOUT_MS = 15_000;

/** Starts the CLI with `args` on a free port, and resolves once it listens. */
export async function startCliNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += String(chunk);
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the CLI did not listen in time: ${err}`)), START_TIMEOUT_MS);
      child.stdout!.on('data', (chunk) => {
        out += String(chunk);
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the CLI exited (${code}): ${err}`));
      });
    });
    return { child, url: `ws://127.0.0.1:${port}/signal`, http: `http://127.0.0.1:${port}` };
  } catch (error) {
    await stopCliNode(child, 'SIGKILL');
    throw error;
  }
}

/** Stops a CLI process by its pid (SIGTERM: a goodbye; SIGKILL: a crash) and resolves once it is gone. */
export async function stopCliNode(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
