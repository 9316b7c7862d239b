import { expect } from 'chai';
import { BehaviorSubject, interval, map, Observable, Subject, take, timer, type Subscription } from 'rxjs';
import { inSubscriberZone } from '../../../../src/zone/inSubscriberZone';
import { runOutsideZone } from '../../../../src/zone/runOutsideZone';
import { appZone, sleep } from './appZone';

describe('inSubscriberZone', () => {
  let subscription: Subscription | undefined;

  afterEach(() => {
    subscription?.unsubscribe();
    subscription = undefined;
  });

  it('delivers values made in the root zone in the zone the subscriber subscribed from', async () => {
    const app = appZone();
    const source = new Subject<number>();
    const seen: string[] = [];
    subscription = app.zone.run(() => source.pipe(inSubscriberZone()).subscribe((value) => seen.push(`${value} in ${Zone.current.name}`)));
    Zone.root.run(() => setTimeout(() => source.next(1), 1));
    await sleep(20);
    expect(seen).to.deep.equal(['1 in app']);
  });

  it('subscribes to the source in the root zone: its timers never run in the subscriber zone, only its values do', async () => {
    const app = appZone();
    const values: number[] = [];
    // ten timer ticks, two of which are public emissions
    const source = interval(1).pipe(
      take(10),
      map((tick) => (tick === 4 || tick === 9 ? tick : null)),
    );
    const publicValues = new Observable<number>((subscriber) =>
      source.subscribe({ next: (value) => value !== null && subscriber.next(value), complete: () => subscriber.complete() }),
    );
    let completedIn = '';
    await new Promise<void>((done) => {
      subscription = app.zone.run(() =>
        publicValues.pipe(inSubscriberZone()).subscribe({
          next: (value) => values.push(value),
          complete: () => {
            completedIn = Zone.current.name;
            done();
          },
        }),
      );
    });
    expect(values).to.deep.equal([4, 9]);
    expect(completedIn).to.equal('app');
    expect(app.scheduled).to.equal(0);
    // the subscribing run, each value, and the completion: never a timer tick
    expect(app.entered).to.equal(1 + 2 + 1);
  });

  it('delivers an error in the subscriber zone', async () => {
    const app = appZone();
    const failing = timer(1).pipe(map(() => {
      throw new Error('failed');
    }));
    const zone = await new Promise<string>((done) => {
      subscription = app.zone.run(() => failing.pipe(inSubscriberZone()).subscribe({ error: () => done(Zone.current.name) }));
    });
    expect(zone).to.equal('app');
  });

  it('replays a current value synchronously, once, in the subscriber zone', () => {
    const app = appZone();
    const state = new BehaviorSubject('joined');
    const seen: string[] = [];
    subscription = app.zone.run(() => state.pipe(inSubscriberZone()).subscribe((value) => seen.push(`${value} in ${Zone.current.name}`)));
    expect(seen).to.deep.equal(['joined in app']);
  });

  it('stops the source when the subscriber unsubscribes (its timer is cleared)', async () => {
    const app = appZone();
    let ticks = 0;
    subscription = app.zone.run(() => interval(1).pipe(inSubscriberZone()).subscribe(() => (ticks += 1)));
    await sleep(10);
    app.zone.run(() => subscription!.unsubscribe());
    const stopped = ticks;
    await sleep(10);
    expect(ticks).to.equal(stopped);
  });

  it('passes values straight through to a subscriber in the root zone', async () => {
    const source = new Subject<number>();
    const seen: string[] = [];
    subscription = Zone.root.run(() => source.pipe(inSubscriberZone()).subscribe((value) => seen.push(`${value} in ${Zone.current.name}`)));
    runOutsideZone(() => source.next(7));
    expect(seen).to.deep.equal([`7 in ${Zone.root.name}`]);
  });

  it('gives every subscriber its own zone', () => {
    const first = appZone();
    const second = appZone();
    const source = new Subject<string>();
    const shared = source.pipe(inSubscriberZone());
    const seen: string[] = [];
    const both = first.zone.run<Subscription>(() => shared.subscribe((value) => seen.push(`${value}: first ${Zone.current === first.zone}`)));
    both.add(second.zone.run(() => shared.subscribe((value) => seen.push(`${value}: second ${Zone.current === second.zone}`))));
    subscription = both;
    Zone.root.run(() => source.next('x'));
    expect(seen).to.deep.equal(['x: first true', 'x: second true']);
  });

  it('returns the source itself where there is no zone.js', () => {
    const global = globalThis as { Zone?: unknown };
    const saved = global.Zone;
    delete global.Zone;
    try {
      const source = new Subject<number>();
      expect(inSubscriberZone<number>()(source)).to.equal(source);
    } finally {
      global.Zone = saved;
    }
  });
});
