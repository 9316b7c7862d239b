import { expect } from 'chai';
import { firstValueFrom, take, toArray, type Observable, type Subscription } from 'rxjs';
import { connectionControl, ManagedConnection, type ManagedConnectionSettings } from '../../../src/connection';
import { RtcPoolError } from '../../../src/errors';
import type { ConnectionStats } from '../../../src/stats/connectionStats';
import { DEFAULT_STATS_INTERVAL_MS, MIN_STATS_INTERVAL_MS } from '../../../src/stats/statsOptions';
import { FakeStatsPeerConnection } from './fakeStatsPeerConnection';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Resolves once `condition` holds, checking every 10 ms; fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 8_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** What a subscription saw. */
interface Seen {
  readonly values: ConnectionStats[];
  error: unknown;
  completed: boolean;
  readonly subscription: Subscription;
}

describe('ManagedConnection.stats$', function () {
  this.timeout(15_000);
  const subscriptions: Subscription[] = [];
  const connections: ManagedConnection[] = [];

  function connection(settings: ManagedConnectionSettings = {}): { pc: FakeStatsPeerConnection; conn: ManagedConnection } {
    const pc = new FakeStatsPeerConnection();
    const conn = new ManagedConnection(pc as unknown as RTCPeerConnection, 'peer-1', {}, settings);
    connections.push(conn);
    return { pc, conn };
  }

  function watch(stats$: Observable<ConnectionStats>): Seen {
    const seen: Seen = {
      values: [],
      error: undefined,
      completed: false,
      subscription: stats$.subscribe({
        next: (value) => seen.values.push(value),
        error: (error: unknown) => (seen.error = error),
        complete: () => (seen.completed = true),
      }),
    };
    subscriptions.push(seen.subscription);
    return seen;
  }

  afterEach(() => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    for (const conn of connections.splice(0)) connectionControl(conn).close();
  });

  it('samples at once, then every intervalMs, one getStats() at a time even when it takes longer than the interval', async () => {
    const { pc, conn } = connection();
    pc.delayMs = 250;
    const seen = watch(conn.stats({ intervalMs: MIN_STATS_INTERVAL_MS }));
    await until(() => seen.values.length >= 4, 'four samples');
    expect(pc.maxInFlight).to.equal(1);
    // each call starts once the one before has answered: 250 ms apart, more than the interval
    for (let i = 1; i < pc.calls.length; i += 1) expect(pc.calls[i]! - pc.calls[i - 1]!).to.be.at.least(245);
    expect(seen.values[0]!.sendBitrate).to.equal(null);
    expect(seen.values[1]!.sendBitrate).to.be.a('number').and.above(0);
  });

  it('waits intervalMs from the start of one getStats() to the next when it answers at once', async () => {
    const { pc, conn } = connection();
    const seen = watch(conn.stats({ intervalMs: 150 }));
    await until(() => seen.values.length >= 3, 'three samples');
    // timers may fire a millisecond early by performance.now()
    for (let i = 1; i < pc.calls.length; i += 1) expect(pc.calls[i]! - pc.calls[i - 1]!).to.be.at.least(148);
  });

  it('samples at the pool\'s statsIntervalMs, stats({ intervalMs }) at its own, and without either every DEFAULT_STATS_INTERVAL_MS', async () => {
    const fast = connection({ statsIntervalMs: MIN_STATS_INTERVAL_MS });
    const plain = connection();
    const started = performance.now();
    const poolDefault = watch(fast.conn.stats$);
    const ownInterval = watch(fast.conn.stats({ intervalMs: 3_000 }));
    const noSetting = watch(plain.conn.stats$);
    await until(() => poolDefault.values.length >= 5, 'five samples at the pool\'s interval');
    const elapsed = performance.now() - started;
    // however slow this machine, a sample never comes before its interval: at most one per interval after the first
    expect(ownInterval.values.length).to.be.at.most(1 + Math.floor(elapsed / 3_000));
    expect(noSetting.values.length).to.be.at.most(1 + Math.floor(elapsed / DEFAULT_STATS_INTERVAL_MS));
    await until(() => noSetting.values.length >= 2 && ownInterval.values.length >= 1, 'a second sample at the default interval');
    expect(noSetting.error).to.equal(undefined);
  });

  for (const [what, intervalMs] of [
    ['under MIN_STATS_INTERVAL_MS', MIN_STATS_INTERVAL_MS - 1],
    ['zero', 0],
    ['negative', -1_000],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '500' as unknown as number],
  ] as const) {
    it(`errors with bad-argument at subscription, before any getStats(), for an interval that is ${what}`, async () => {
      const { pc, conn } = connection();
      const error = await firstValueFrom(conn.stats({ intervalMs })).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(RtcPoolError).with.property('code', 'bad-argument');
      expect(pc.calls).to.have.length(0);
    });
  }

  it('errors with bad-argument for a bad statsIntervalMs of the pool, at subscription to stats$', async () => {
    const { conn } = connection({ statsIntervalMs: 10 });
    const error = await firstValueFrom(conn.stats$).catch((failure: unknown) => failure);
    expect(error).to.be.instanceOf(RtcPoolError).with.property('code', 'bad-argument');
  });

  it('completes when the connection closes, and drops the sample that was in flight', async () => {
    const { pc, conn } = connection();
    pc.delayMs = 150;
    const seen = watch(conn.stats({ intervalMs: MIN_STATS_INTERVAL_MS }));
    await until(() => seen.values.length >= 1 && pc.inFlight === 1, 'a sample in flight');
    const calls = pc.calls.length;
    connectionControl(conn).close();
    expect(seen.completed).to.equal(true);
    await sleep(400);
    expect(seen.values).to.have.length(1);
    expect(pc.calls).to.have.length(calls);
  });

  it('completes at once, without getStats(), on a closed connection', async () => {
    const { pc, conn } = connection();
    connectionControl(conn).close();
    const values = await firstValueFrom(conn.stats$.pipe(toArray()));
    expect(values).to.deep.equal([]);
    expect(pc.calls).to.have.length(0);
  });

  it('leaves no timer and no getStats() after unsubscribe, even one made before the stats code loaded', async () => {
    const { pc, conn } = connection();
    conn.stats({ intervalMs: MIN_STATS_INTERVAL_MS }).subscribe().unsubscribe();
    const seen = watch(conn.stats({ intervalMs: MIN_STATS_INTERVAL_MS }));
    await until(() => seen.values.length >= 2, 'two samples');
    seen.subscription.unsubscribe();
    const calls = pc.calls.length;
    await sleep(5 * MIN_STATS_INTERVAL_MS);
    expect(pc.calls).to.have.length(calls);
    expect(seen.completed).to.equal(false);
  });

  for (const synchronous of [false, true]) {
    it(`errors with stats-failed, the cause attached, when getStats() ${synchronous ? 'throws' : 'rejects'}, and samples no more`, async () => {
      const { pc, conn } = connection();
      const seen = watch(conn.stats({ intervalMs: MIN_STATS_INTERVAL_MS }));
      await until(() => seen.values.length >= 1, 'a sample');
      const cause = new Error('the engine failed');
      pc.failure = { error: cause, synchronous };
      await until(() => seen.error !== undefined, 'the error');
      expect(seen.error).to.be.instanceOf(RtcPoolError).that.includes({ code: 'stats-failed', peer: 'peer-1', cause });
      const calls = pc.calls.length;
      await sleep(3 * MIN_STATS_INTERVAL_MS);
      expect(pc.calls).to.have.length(calls);
    });
  }

  it('is cold: each subscriber samples on its own, with its own first sample', async () => {
    const { pc, conn } = connection();
    const [first, second] = await Promise.all([
      firstValueFrom(conn.stats$.pipe(take(2), toArray())),
      firstValueFrom(conn.stats$.pipe(take(1), toArray())),
    ]);
    expect(first.map((stats) => stats.sendBitrate === null)).to.deep.equal([true, false]);
    expect(second[0]!.sendBitrate).to.equal(null);
    expect(pc.calls).to.have.length(3);
  });

  it('is one Observable, so that a template\'s async pipe keeps its subscription', () => {
    const { conn } = connection();
    expect(conn.stats$).to.equal(conn.stats$);
  });
});
