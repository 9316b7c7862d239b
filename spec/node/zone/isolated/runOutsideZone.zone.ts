import { expect } from 'chai';
import { runOutsideZone } from '../../../../src/zone/runOutsideZone';
import { zoneGlobal } from '../../../../src/zone/zoneGlobal';
import { appZone, sleep } from './appZone';

describe('runOutsideZone', () => {
  it('runs the function in the root zone when called from another zone, and returns its value', () => {
    const app = appZone();
    const ran = app.zone.run(() => runOutsideZone(() => Zone.current.name));
    expect(ran).to.equal(Zone.root.name);
  });

  it('keeps what the function schedules (timers, promise callbacks) out of the calling zone', async () => {
    const app = appZone();
    const fired: string[] = [];
    app.zone.run(() =>
      runOutsideZone(() => {
        setTimeout(() => fired.push(`timer in ${Zone.current.name}`), 1);
        void Promise.resolve().then(() => fired.push(`promise in ${Zone.current.name}`));
      }),
    );
    const entered = app.entered;
    await sleep(20);
    expect(fired).to.deep.equal([`promise in ${Zone.root.name}`, `timer in ${Zone.root.name}`]);
    expect(app.scheduled).to.equal(0);
    // only the one `run` that called it entered the app's zone
    expect(app.entered).to.equal(entered).and.to.equal(1);
  });

  it('lets an exception through, and leaves the caller in its own zone', () => {
    const app = appZone();
    const after = app.zone.run(() => {
      expect(() =>
        runOutsideZone(() => {
          throw new Error('boom');
        }),
      ).to.throw('boom');
      return Zone.current.name;
    });
    expect(after).to.equal('app');
  });

  it('just calls the function where there is no zone.js', () => {
    const global = globalThis as { Zone?: unknown };
    const saved = global.Zone;
    delete global.Zone;
    try {
      expect(zoneGlobal()).to.equal(undefined);
      expect(runOutsideZone(() => 42)).to.equal(42);
    } finally {
      global.Zone = saved;
    }
  });

  it('treats a `Zone` global that is not zone.js as no zone.js', () => {
    const global = globalThis as { Zone?: unknown };
    const saved = global.Zone;
    global.Zone = { current: {} };
    try {
      expect(zoneGlobal()).to.equal(undefined);
      expect(runOutsideZone(() => 'ran')).to.equal('ran');
    } finally {
      global.Zone = saved;
    }
  });
});
