import { expect } from 'chai';
import { filter, firstValueFrom, take } from 'rxjs';
import { Pool, RtcPoolError } from '../../src';
import { TestHub } from '../../src/testing';
import { LOCAL_ONLY } from './support/environment';
import { connectionsOf, exchange } from './support/pools';

describe('TestHub (rtcpool/testing)', () => {
  let hub: TestHub;
  const pools: Pool[] = [];
  const make = (description: Record<string, unknown> | null = null): Pool => {
    const pool = new Pool(LOCAL_ONLY, hub.transceiver(description));
    pools.push(pool);
    return pool;
  };
  beforeEach(() => (hub = new TestHub()));
  afterEach(() => pools.splice(0).forEach((pool) => pool.close()));

  it('meshes pools in one page without a server, with the descriptions the hub gave', async () => {
    const a = make({ name: 'Ada' });
    const b = make({ name: 'Bob' });
    const c = make();
    for (const pool of [a, b, c]) await pool.join('room');
    await Promise.all([a, b, c].map((pool) => connectionsOf(pool, 2)));
    expect(c.getConnection(a.id!)!.description).to.deep.equal({ name: 'Ada' });
    expect(a.getConnection(b.id!)!.description).to.deep.equal({ name: 'Bob' });
    expect(await exchange(a, c, 'via-hub')).to.equal(`via-hub from ${a.id}`);
    expect(hub.pools()).to.have.length(1);
  });

  it('relays close, stop and describe as the server does', async () => {
    const a = make();
    const b = make();
    const c = make();
    for (const pool of [a, b, c]) await pool.join('room');
    await connectionsOf(a, 2);
    const left = firstValueFrom(a.peerLeft$);
    c.close();
    expect((await left).id).to.equal(c.id);
    const described = firstValueFrom(a.described$);
    expect(hub.describe(b.id!, { role: 'host' })).to.equal(true);
    expect((await described).description).to.deep.equal({ role: 'host' });
    const stopped = firstValueFrom(b.state$.pipe(filter((s) => s === 'stopped'), take(1)));
    expect(hub.stop('room')).to.equal(true);
    expect(await stopped).to.equal('stopped');
  });

  it('injects frames as if the server had sent them, garbage included', async () => {
    const a = make();
    await a.join('room');
    const error = firstValueFrom(a.errors$);
    expect(hub.inject(a.id!, 'not json')).to.equal(true);
    expect(await error).to.be.instanceOf(RtcPoolError).and.include({ code: 'protocol', reason: 'bad-json' });
  });

  it('refuses what the server refuses: a second join gets rtc:error', async () => {
    const a = make();
    await a.join('room');
    const transceiver = hub.transceiver();
    const refusal = new Promise<CustomEvent>((resolve) => transceiver.addEventListener('rtc:error', (e) => resolve(e as CustomEvent)));
    transceiver.send('rtc:join', { pool: 'room' });
    transceiver.send('rtc:join', { pool: 'room' });
    expect((await refusal).detail).to.include({ reason: 'already-joined' });
    transceiver.close();
  });

  it('keeps private pools private', async () => {
    hub = new TestHub({ privatePools: true });
    const a = make();
    expect(await a.join('secret').catch((e: RtcPoolError) => e.reason)).to.equal('pool-not-found');
    hub.createPool('secret');
    const b = make();
    expect((await b.join('secret')).pool).to.equal('secret');
  });
});
