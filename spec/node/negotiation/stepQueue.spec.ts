import { expect } from 'chai';
import { defer, Observable, of, Subject, throwError } from 'rxjs';
import { StepQueue, wait, type StepBody } from '../../../src/negotiation/stepQueue';

/** A queue whose steps make their own bodies, and the errors of bodies that threw. */
function queueOf(): { readonly queue: StepQueue<() => StepBody | null>; readonly crashes: unknown[] } {
  const crashes: unknown[] = [];
  return { queue: new StepQueue((make) => make(), (error) => crashes.push(error)), crashes };
}

describe('StepQueue', () => {
  it('runs one step at a time, in order: the next starts when the operation of the one before ends', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    const first = new Subject<string>();
    queue.push(function* () {
      log.push('1 start');
      log.push(`1 got ${yield* wait(first)}`);
    });
    queue.push(function* () {
      log.push('2 start');
    });
    expect(log).to.deep.equal(['1 start']);
    first.next('a');
    expect(log, 'not before the operation completes').to.deep.equal(['1 start']);
    first.next('b');
    first.complete();
    expect(log).to.deep.equal(['1 start', '1 got b', '2 start']);
  });

  it('runs operations that end at once in the same call, passing each one\'s value back', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    for (const n of [1, 2]) {
      queue.push(function* () {
        const a = yield* wait(of(n * 10));
        const b = yield* wait(of(n * 10 + 1));
        log.push(`${a} ${b}`);
      });
    }
    expect(log).to.deep.equal(['10 11', '20 21']);
  });

  it('runs a long run of steps that end at once without growing the stack', () => {
    let count = 0;
    const { queue } = queueOf();
    const step = function* (): StepBody {
      yield* wait(of(0));
      count += 1;
    };
    for (let i = 0; i < 50_000; i += 1) queue.push(step);
    expect(count).to.equal(50_000);
  });

  it('throws an operation\'s error into the body, where it can be caught', () => {
    const log: string[] = [];
    const { queue, crashes } = queueOf();
    queue.push(function* () {
      try {
        yield* wait(throwError(() => new Error('boom')));
      } catch (error) {
        log.push(`caught ${(error as Error).message}`);
      }
    });
    expect(log).to.deep.equal(['caught boom']);
    expect(crashes).to.deep.equal([]);
  });

  it('reports a body that throws and goes on with the next step', () => {
    const log: string[] = [];
    const { queue, crashes } = queueOf();
    queue.push(function* () {
      throw new Error('bug');
    });
    queue.push(function* () {
      log.push('next');
    });
    expect(crashes.map((error) => (error as Error).message)).to.deep.equal(['bug']);
    expect(log).to.deep.equal(['next']);
  });

  it('reports a start that throws and goes on with the next step', () => {
    const log: string[] = [];
    const { queue, crashes } = queueOf();
    queue.push(() => {
      throw new Error('bad start');
    });
    queue.push(function* () {
      log.push('next');
    });
    expect(crashes.map((error) => (error as Error).message)).to.deep.equal(['bad start']);
    expect(log).to.deep.equal(['next']);
  });

  it('skips a step whose start did all its work', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    queue.push(() => {
      log.push('done at start');
      return null;
    });
    queue.push(function* () {
      log.push('next');
    });
    expect(log).to.deep.equal(['done at start', 'next']);
  });

  it('abandons the step under way: its finally runs, its operation is unsubscribed, the next starts', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    let subscribed = false;
    const hanging = new Observable<never>(() => {
      subscribed = true;
      return () => (subscribed = false);
    });
    queue.push(function* () {
      try {
        yield* wait(hanging);
        log.push('never');
      } finally {
        log.push('1 finally');
      }
    });
    queue.push(function* () {
      log.push('2 start');
    });
    expect(subscribed).to.equal(true);
    queue.abandon();
    expect(subscribed).to.equal(false);
    expect(log).to.deep.equal(['1 finally', '2 start']);
  });

  it('abandons a step from inside its own body: it ends at its next operation, which is never subscribed', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    let subscribed = 0;
    queue.push(function* () {
      try {
        queue.abandon();
        log.push('body goes on to its next operation');
        yield* wait(defer(() => (subscribed += 1, of(0))));
        log.push('never');
      } finally {
        log.push('1 finally');
      }
    });
    queue.push(function* () {
      log.push('2 start');
    });
    expect(log, 'the next step starts once the body stopped').to.deep.equal(['body goes on to its next operation', '1 finally', '2 start']);
    expect(subscribed).to.equal(0);
  });

  it('ignores an abandoned operation that settles late', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    const late = new Subject<number>();
    queue.push(function* () {
      log.push(`got ${yield* wait(late)}`);
    });
    queue.abandon();
    late.next(1);
    late.complete();
    expect(log).to.deep.equal([]);
  });

  it('runs nothing after close, and drops what was queued', () => {
    const log: string[] = [];
    const { queue } = queueOf();
    const pending = new Subject<void>();
    queue.push(function* () {
      try {
        yield* wait(pending);
      } finally {
        log.push('1 finally');
      }
    });
    queue.push(function* () {
      log.push('queued');
    });
    queue.close();
    queue.push(function* () {
      log.push('pushed after close');
    });
    pending.complete();
    expect(log).to.deep.equal(['1 finally']);
    expect(pending.observed).to.equal(false);
  });
});
