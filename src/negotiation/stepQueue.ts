import type { Observable, Subscription } from 'rxjs';

/**
 * The body of one queued step: a generator that yields each operation it waits for, and is
 * resumed with the last value that operation emitted, or thrown into with its error.
 */
export type StepBody = Generator<Observable<unknown>, void, unknown>;

/** Waits, inside a step body, for one operation: `const answer = yield* wait(port.setLocalDescription())`. */
export function* wait<T>(operation: Observable<T>): Generator<Observable<unknown>, T, unknown> {
  return (yield operation) as T;
}

/** The step under way. */
interface Running {
  readonly body: StepBody;
  /** The subscription of the operation it waits for. */
  task: Subscription | null;
  /** True while its body runs: a body that is running cannot be ended from outside. */
  executing: boolean;
  abandoned: boolean;
}

/**
 * Runs steps one at a time, in the order they were pushed: each step's operations are
 * subscribed in turn, and the next step starts, in the same call, when one ends. Nothing is
 * scheduled here: a step that ends at once lets the next run at once, and operations on a
 * virtual-time scheduler (marble tests) keep to their frames.
 *
 * Why not `concatMap`: it runs for every signalling message of every peer, on the page's one
 * thread, and every mesh setup meets it first in a cold page. A generator per step and one
 * subscription per operation cost a fraction of an operator chain per step.
 */
export class StepQueue<S> {
  readonly #waiting: S[] = [];
  #running: Running | null = null;
  #draining = false;
  #closed = false;

  readonly #start: (step: S) => StepBody | null;
  readonly #crashed: (error: unknown) => void;

  /**
   * @param start - the body of a step, made when the step's turn comes; null when it has
   *   nothing to wait for (it did its work already)
   * @param crashed - a body (or `start`) threw: a bug, since bodies catch what they expect
   */
  constructor(
    start: (step: S) => StepBody | null,
    crashed: (error: unknown) => void,
  ) {
    this.#start = start;
    this.#crashed = crashed;
  }

  /** Queues a step; it starts now if nothing runs. */
  push(step: S): void {
    if (this.#closed) return;
    this.#waiting.push(step);
    this.#drain();
  }

  /**
   * Ends the step under way where it is (its `finally` blocks run, its operation is
   * unsubscribed and its result never seen), and starts the next. Called from inside the step's
   * own body, the body runs on to its next operation, which is never subscribed.
   */
  abandon(): void {
    const run = this.#running;
    if (run === null) return;
    this.#running = null;
    run.abandoned = true;
    run.task?.unsubscribe();
    run.task = null;
    // a body that is running now is ended when it stops, and only then does the next step start
    if (run.executing) return;
    run.body.return();
    this.#drain();
  }

  /** Ends the step under way and drops the rest: nothing runs any more. */
  close(): void {
    this.#closed = true;
    this.#waiting.length = 0;
    this.abandon();
  }

  #drain(): void {
    // a step that ends while the loop below starts it must not start the next one itself
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#running === null && this.#waiting.length > 0 && !this.#closed) {
        let body: StepBody | null;
        try {
          body = this.#start(this.#waiting.shift()!);
        } catch (error) {
          this.#crashed(error);
          continue;
        }
        if (body === null) continue;
        const run: Running = { body, task: null, executing: false, abandoned: false };
        this.#running = run;
        this.#resume(run, undefined, false);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Runs a body on to its next operation and subscribes it; loops while operations end at once. */
  #resume(run: Running, input: unknown, failed: boolean): void {
    for (;;) {
      let result: IteratorResult<Observable<unknown>, void>;
      run.executing = true;
      try {
        result = failed ? run.body.throw(input) : run.body.next(input);
      } catch (error) {
        result = { done: true, value: undefined };
        this.#crashed(error);
      } finally {
        run.executing = false;
      }
      if (run.abandoned) {
        if (!result.done) run.body.return();
        this.#drain();
        return;
      }
      if (result.done) {
        this.#end(run);
        return;
      }
      let sync = true;
      // assigned by settle() when the operation ends inside subscribe()
      let settled = null as { readonly input: unknown; readonly failed: boolean } | null;
      let last: unknown;
      const settle = (value: unknown, error: boolean): void => {
        run.task = null;
        if (sync) settled = { input: value, failed: error };
        else if (this.#running === run) this.#resume(run, value, error);
      };
      const task = result.value.subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => settle(error, true),
        complete: () => settle(last, false),
      });
      sync = false;
      if (run.abandoned) {
        task.unsubscribe();
        return;
      }
      if (settled === null) {
        run.task = task;
        return;
      }
      ({ input, failed } = settled);
    }
  }

  #end(run: Running): void {
    if (this.#running !== run) return;
    this.#running = null;
    this.#drain();
  }
}
