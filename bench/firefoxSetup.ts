// Drives P1 in Firefox ESR. Playwright cannot drive Debian's Firefox, so the bench page runs in a
// headless firefox-esr process started on a task URL (`?task=setupPools&n=4&url=…`): the page
// runs that one task, POSTs its result to /result, and the answer is the next task's URL. Each
// task gets a fresh page (closed peer connections go with it), in one Firefox process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { launchFirefox } from '../spec/support/browserProcess.cjs';

/** How long one task may take in Firefox before the run fails. */
const TASK_TIMEOUT_MS = 120_000;

/** One task for the page: a P1 case and a mesh size. */
export interface FirefoxTask {
  readonly task: 'setupPools' | 'setupPools3' | 'setupRawViaServer' | 'setupRaw';
  readonly n: number;
}

/** Runs tasks in Firefox; `result` is the bench server's handler of POST /result. */
export interface FirefoxDriver {
  runAll(tasks: readonly FirefoxTask[]): Promise<number[]>;
  result(request: IncomingMessage, response: ServerResponse): void;
  stop(): Promise<void>;
}

/** A driver for the bench page at `origin`, whose cases signal through `signallingUrl`. */
export async function firefoxSetup(origin: string, signallingUrl: string): Promise<FirefoxDriver> {
  let browser: { stop(): Promise<void> } | null = null;
  let run: { queue: FirefoxTask[]; results: number[]; total: number; resolve(results: number[]): void; reject(error: Error): void } | null = null;
  let timer: NodeJS.Timeout | undefined;
  const taskUrl = ({ task, n }: FirefoxTask): string =>
    `${origin}/?task=${task}&n=${n}&url=${encodeURIComponent(signallingUrl)}&at=${Math.random().toString(36).slice(2)}`;
  const watchdog = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => run?.reject(new Error(`Firefox: no result within ${TASK_TIMEOUT_MS} ms`)), TASK_TIMEOUT_MS);
  };

  return {
    async runAll(tasks) {
      const results = new Promise<number[]>((resolve, reject) => {
        run = { queue: [...tasks], results: [], total: tasks.length, resolve, reject };
      });
      watchdog();
      browser = await launchFirefox(taskUrl(tasks[0]!));
      try {
        return await results;
      } finally {
        clearTimeout(timer);
        run = null;
      }
    },
    result(request, response) {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const current = run;
        current?.queue.shift();
        // the next task's URL, or nothing: the page then stays where it is
        const next = current && current.queue.length > 0 ? taskUrl(current.queue[0]!) : '';
        response.writeHead(200, { 'content-type': 'text/plain' }).end(next);
        if (!current) return;
        const { ms, error } = JSON.parse(body) as { ms?: number; error?: string };
        if (typeof ms !== 'number') return current.reject(new Error(`Firefox: ${error ?? 'no result'}`));
        current.results.push(ms);
        watchdog();
        if (current.results.length === current.total) current.resolve(current.results);
      });
    },
    async stop() {
      clearTimeout(timer);
      await browser?.stop();
    },
  };
}
