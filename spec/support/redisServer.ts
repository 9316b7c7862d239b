import { spawn, type ChildProcess } from 'node:child_process';
import { accepts, freePort } from './ports.cjs';

/** The redis-server binary (Debian's package). */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
export { freePort };

/** How long redis-server may take to accept connections. */
const START_TIMEOUT_MS = 5_000;

/**
 * A real redis-server for specs: on a free port of 127.0.0.1, without persistence (a restart
 * comes back empty, as a cache-only Redis does), stopped by its pid.
 */
export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  /** Starts one on a free port. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Its URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Its process id, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it (again) on its port, and resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is running');
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not start in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops it by its pid (SIGTERM: an operator's restart; SIGKILL: a crash), and resolves once it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
