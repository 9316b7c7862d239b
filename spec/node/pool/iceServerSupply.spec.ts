import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { ICE_RENEW_AT, ICE_RENEW_RETRY_MS, IceServerSupply } from '../../../src/iceServerSupply';

const turn = (username: string): RTCIceServer => ({ urls: 'turn:127.0.0.1:3478', username, credential: 'c' });

describe('IceServerSupply', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('puts the app\'s own ICE servers first and the granted ones after them', () => {
    const own = { urls: 'stun:own.test' };
    const supply = new IceServerSupply({ iceServers: [own], iceTransportPolicy: 'relay' }, () => undefined);
    expect(supply.configuration).to.deep.equal({ iceServers: [own], iceTransportPolicy: 'relay' });
    supply.grant([turn('1:a')], undefined);
    expect(supply.configuration).to.deep.equal({ iceServers: [own, turn('1:a')], iceTransportPolicy: 'relay' });
    supply.close();
  });

  it('emits the merged configuration when a grant changes it, and not when it does not', () => {
    const supply = new IceServerSupply({ iceServers: [] }, () => undefined);
    const seen: RTCConfiguration[] = [];
    supply.configuration$.subscribe((configuration) => seen.push(configuration));
    supply.grant([turn('1:a')], undefined);
    supply.grant([turn('1:a')], undefined);
    supply.grant([turn('2:a')], undefined);
    supply.grant(undefined, undefined);
    expect(seen.map((configuration) => configuration.iceServers![0]!.username)).to.deep.equal(['1:a', '2:a']);
    supply.close();
  });

  it(`asks for fresh credentials at ${ICE_RENEW_AT} of their lifetime, again every ${ICE_RENEW_RETRY_MS} ms while unanswered, never after expiry`, () => {
    scheduler.run(({ flush }) => {
      const asked: number[] = [];
      const supply = new IceServerSupply({}, () => asked.push(scheduler.now()), scheduler);
      supply.grant([turn('1:a')], 20);
      flush();
      // 15 s, then 20 s is the expiry: 15, and no retry at 20 (expired by then)
      expect(asked).to.deep.equal([15_000]);
      supply.close();
    });
  });

  it('starts over on each grant: an answered renewal is not asked again', () => {
    scheduler.run(({ flush }) => {
      const asked: number[] = [];
      const supply = new IceServerSupply({}, () => asked.push(scheduler.now()), scheduler);
      supply.grant([turn('1:a')], 100);
      scheduler.schedule(() => supply.grant([turn('2:a')], 100), 80_000);
      scheduler.schedule(() => supply.close(), 200_000);
      flush();
      // 75 s; answered at 80 s; then 80 + 75 = 155 s, retried at 160 s, then closed at 200 s
      expect(asked).to.deep.equal([75_000, 155_000, 160_000, 165_000, 170_000, 175_000]);
    });
  });

  it('never asks a server that handed out nothing that expires', () => {
    scheduler.run(({ flush }) => {
      let asked = 0;
      const supply = new IceServerSupply({}, () => (asked += 1), scheduler);
      supply.grant([{ urls: 'stun:x' }], undefined);
      flush();
      expect(asked).to.equal(0);
      supply.close();
    });
  });
});
