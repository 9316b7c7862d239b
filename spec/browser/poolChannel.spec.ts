import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, take, throwError, timeout, toArray, type MonoTypeOperatorFunction } from 'rxjs';
import { RtcPoolError, type Pool, type PoolChannel, type PoolMessage } from '../../src';
import { equalBytes, pattern } from './support/bytes';
import { uniquePool } from './support/environment';
import { nodePeers } from './support/nodePeers';
import { connectionsOf, MESH_TIMEOUT_MS, PoolTracker, settle } from './support/pools';

const code = (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(() => null, (error: unknown) => (error instanceof RtcPoolError ? error.code : String(error)));

/** Fails with a message that says what did not come, when nothing comes for `ms`. */
const within = <T>(ms: number, what: string): MonoTypeOperatorFunction<T> =>
  timeout({ each: ms, with: () => throwError(() => new Error(`${what}: nothing within ${ms} ms`)) }) as MonoTypeOperatorFunction<T>;

/** Resolves once `channel` reaches exactly these peers. */
const reaches = (channel: PoolChannel, ids: ReadonlyArray<string | null>, ms = MESH_TIMEOUT_MS): Promise<unknown> =>
  firstValueFrom(
    channel.peers$.pipe(
      filter((peers) => peers.length === ids.length && ids.every((id) => peers.includes(id!))),
      take(1),
      within(ms, `peers ${ids.join(', ')}`),
    ),
  );

/** What a message says, for comparing: a string as it is, binary as `bin:<length>:<first byte>`. */
const said = ({ data }: PoolMessage): string => (typeof data === 'string' ? data : `bin:${data.byteLength}:${new Uint8Array(data)[0] ?? ''}`);

/** The messages `channel` receives, by sender, as {@link said} puts them. */
function collect(channel: PoolChannel): Map<string, string[]> {
  const bySender = new Map<string, string[]>();
  channel.messages$.subscribe((message) => {
    const list = bySender.get(message.from) ?? [];
    list.push(said(message));
    bySender.set(message.from, list);
  });
  return bySender;
}

/** Waits until `heard` holds `count` messages from each of `senders`. */
async function heardAll(heard: Map<string, string[]>, senders: ReadonlyArray<string | null>, count: number): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS;
  while (!senders.every((id) => (heard.get(id!)?.length ?? 0) >= count)) {
    if (Date.now() > deadline) throw new Error(`heard ${senders.map((id) => heard.get(id!)?.length ?? 0).join('/')} of ${count}`);
    await settle(20);
  }
}

describe('Pool.channel (PoolChannel)', function () {
  this.timeout(60_000);
  const tracker = new PoolTracker();
  afterEach(() => tracker.closeAll());

  /** `count` pools meshed in `name`, each with its pool channel `label` made before it joined. */
  async function room(name: string, count: number, label = 'room'): Promise<{ pools: Pool[]; channels: PoolChannel[] }> {
    const pools: Pool[] = [];
    const channels: PoolChannel[] = [];
    for (let i = 0; i < count; i += 1) {
      const pool = tracker.create();
      channels.push(pool.channel(label));
      await pool.join(name);
      pools.push(pool);
    }
    await Promise.all(pools.map((pool) => connectionsOf(pool, count - 1)));
    await Promise.all(channels.map((channel, i) => reaches(channel, pools.filter((_, j) => j !== i).map((pool) => pool.id))));
    return { pools, channels };
  }

  /** Message `i` of `sender`: strings and binary of several sizes, one past a chunk. */
  const message = (sender: number, i: number): string | Uint8Array =>
    i % 3 === 0 ? `${sender}:${i}` : pattern(i % 3 === 1 ? 100 + i : 70_000 + i, sender);
  const expected = (sender: number, i: number): string => {
    const data = message(sender, i);
    return typeof data === 'string' ? data : `bin:${data.byteLength}:${data[0]}`;
  };

  it('carries every member’s broadcasts whole and in order per sender, to a late joiner too', async () => {
    const name = uniquePool('pch-room');
    const { pools, channels } = await room(name, 4);
    const heard = channels.map(collect);
    const ROUNDS = 24;
    // every member at once, not awaiting one another
    await Promise.all(channels.map(async (channel, sender) => {
      for (let i = 0; i < ROUNDS; i += 1) await channel.send(message(sender, i));
    }));
    for (const [receiver, map] of heard.entries()) {
      const senders = pools.filter((_, j) => j !== receiver).map((pool) => pool.id);
      await heardAll(map, senders, ROUNDS);
      for (const [sender, pool] of pools.entries()) {
        if (sender === receiver) continue;
        expect(map.get(pool.id!), `${receiver} from ${sender}`).to.deep.equal(Array.from({ length: ROUNDS }, (_, i) => expected(sender, i)));
      }
    }

    // a late joiner, whose channel is made after it joined: everyone reaches it, and it everyone
    const late = tracker.create();
    await late.join(name);
    const lateChannel = late.channel('room');
    const lateHeard = collect(lateChannel);
    const everyone = [...pools, late];
    await Promise.all([...channels, lateChannel].map((channel, i) => reaches(channel, everyone.filter((_, j) => j !== i).map((pool) => pool.id))));
    for (const map of heard) map.clear();
    await Promise.all([...channels, lateChannel].map(async (channel, sender) => {
      for (let i = 0; i < 6; i += 1) await channel.send(message(sender, i));
    }));
    await heardAll(lateHeard, pools.map((pool) => pool.id), 6);
    for (const [sender, pool] of pools.entries()) {
      expect(lateHeard.get(pool.id!)).to.deep.equal(Array.from({ length: 6 }, (_, i) => expected(sender, i)));
    }
    for (const map of heard) {
      await heardAll(map, [late.id], 6);
      expect(map.get(late.id!)).to.deep.equal(Array.from({ length: 6 }, (_, i) => expected(4, i)));
    }
  });

  it('sends to the named peers only, and refuses a peer that is not on the channel, sending nothing', async () => {
    const { pools, channels } = await room(uniquePool('pch-to'), 4);
    const [a, b, , d] = pools as [Pool, Pool, Pool, Pool];
    const heard = channels.map(collect);
    await channels[0]!.send('to b', { to: [b.id!] });
    await channels[0]!.send('to b and d', { to: [b.id!, d.id!] });
    expect(await code(channels[0]!.send('lost', { to: [b.id!, 'nobody'] }))).to.equal('unknown-peer');
    expect(await code(channels[0]!.send('bad', { to: 'b' as never }))).to.equal('bad-argument');
    expect(await code(channels[0]!.send(42 as never))).to.equal('bad-argument');
    await channels[0]!.send('to all');
    await heardAll(heard[1]!, [a.id], 3);
    await heardAll(heard[2]!, [a.id], 1);
    await heardAll(heard[3]!, [a.id], 2);
    expect(heard[1]!.get(a.id!)).to.deep.equal(['to b', 'to b and d', 'to all']);
    expect(heard[2]!.get(a.id!)).to.deep.equal(['to all']);
    expect(heard[3]!.get(a.id!)).to.deep.equal(['to b and d', 'to all']);
  });

  it('broadcasts 4 MiB to three peers, whole at each, while the sender reuses its buffer', async () => {
    const { pools, channels } = await room(uniquePool('pch-big'), 4);
    const big = pattern(4 * 1024 * 1024, 7);
    const original = big.slice();
    const arrivals = channels.slice(1).map((channel) => firstValueFrom(channel.messages$.pipe(take(1), timeout(MESH_TIMEOUT_MS * 2))));
    await channels[0]!.send(big);
    // resolved: the slower peers read a copy, so the caller may reuse its buffer now
    big.fill(0);
    for (const arrival of await Promise.all(arrivals)) {
      expect(arrival.from).to.equal(pools[0]!.id);
      expect(equalBytes(new Uint8Array(arrival.data as ArrayBuffer), original)).to.equal(true);
    }
  });

  it('drops a frozen receiver (a Node peer) past maxQueuedBytes while the others get everything; it rejoins', async function () {
    this.timeout(120_000);
    const name = uniquePool('pch-stall');
    const pools: Pool[] = [];
    const channels: PoolChannel[] = [];
    // the sender holds at most 16 MiB (the default) for a peer beyond what its transport buffers
    // (1 MiB here: smaller bursts into the loopback's UDP buffers, which lose packets in bursts of
    // 4 MiB, and a loss stalls that peer's SCTP for a second or more)
    for (const options of [{ highWaterMark: 1024 * 1024 }, {}, {}]) {
      const pool = tracker.create();
      channels.push(pool.channel('stall', options));
      await pool.join(name);
      pools.push(pool);
    }
    const node = await nodePeers.start(name, 'stall');
    try {
      const ids = [...pools.map((pool) => pool.id), node.id];
      // libdatachannel loses about one set-up in 30: that connection is rebuilt, which takes longer
      await Promise.all(channels.map((channel, i) => reaches(channel, ids.filter((_, j) => j !== i), MESH_TIMEOUT_MS * 3)));
      const [sender, fast1, fast2] = channels as [PoolChannel, PoolChannel, PoolChannel];
      // the Node peer is on the channel both ways: it answers the sender alone
      const echoed = firstValueFrom(sender.messages$.pipe(filter(({ from }) => from === node.id), take(1), within(MESH_TIMEOUT_MS, 'the first echo')));
      await sender.send('hello node', { to: [node.id] });
      expect((await echoed).data).to.equal('node echo hello node');

      const dropped = new Set<string>();
      sender.errors$.pipe(filter((error) => error.code === 'overflow')).subscribe((error) => dropped.add(error.peer!));
      const overflow = firstValueFrom(sender.errors$.pipe(filter((error) => error.code === 'overflow' && error.peer === node.id), take(1), within(MESH_TIMEOUT_MS * 2, 'overflow')));
      // frozen: its transport stops taking data, and the sender's buffer for it fills
      await nodePeers.pause(node);
      const COUNT = 320; // 320 × 64 KiB = 20 MiB: past 1 MiB buffered and 16 MiB queued
      const received = [fast1, fast2].map((channel) => {
        const list: ArrayBuffer[] = [];
        channel.messages$.pipe(filter(({ from }) => from === pools[0]!.id)).subscribe(({ data }) => list.push(data as ArrayBuffer));
        return list;
      });
      for (let i = 0; i < COUNT; i += 1) await sender.send(pattern(65_536, i));
      await overflow;
      // the others got everything, whole and in order, at the pace of the fastest. The design
      // drops any peer that falls 16 MiB behind the fastest: on a busy loopback one of the two
      // in-page receivers sometimes stalls for a second or more after a lost packet (seen in a
      // few runs of this spec, in both engines), and is then dropped too, as documented. What it
      // got until then is whole and in order.
      const fastIds = [pools[1]!.id!, pools[2]!.id!];
      const deadline = Date.now() + MESH_TIMEOUT_MS * 2;
      while (received.some((list, i) => !dropped.has(fastIds[i]!) && list.length < COUNT) && Date.now() < deadline) await settle(50);
      for (const [i, list] of received.entries()) {
        if (!dropped.has(fastIds[i]!)) expect(list, `fast peer ${i}`).to.have.length(COUNT);
        expect(list.every((data, n) => equalBytes(new Uint8Array(data), pattern(65_536, n))), `fast peer ${i} in order`).to.equal(true);
      }
      expect(received.filter((list) => list.length === COUNT), 'a fast peer got everything').to.not.have.length(0);
      expect(sender.peers).to.not.include(node.id);
      // it runs again: it joins the channel afresh, and answers again
      await nodePeers.resume(node);
      await firstValueFrom(sender.peers$.pipe(filter((peers) => peers.includes(node.id)), take(1), within(MESH_TIMEOUT_MS * 2, 'the rejoin')));
      const again = firstValueFrom(sender.messages$.pipe(filter(({ from, data }) => from === node.id && data === 'node echo after'), take(1), within(MESH_TIMEOUT_MS, 'the echo after')));
      // the first message may go while the Node peer's end still waits for the handshake's answer
      await reaches(sender, ids.slice(1));
      await sender.send('after', { to: [node.id] });
      await again;
    } catch (error) {
      // what each end saw, and what the Node peer said, for the failure message
      const seen = channels.map((channel, i) => `${pools[i]!.id}: [${channel.peers.join(', ')}]`).join('; ');
      const { output } = await nodePeers.stop(node);
      throw new Error(`${String(error)}\nnode ${node.id}; pools ${seen}\nnode output:\n${output}`);
    }
    await nodePeers.stop(node);
  });

  it('is one channel per label: the same one again, a new one after close; it completes and its peers see it leave', async () => {
    const { pools, channels } = await room(uniquePool('pch-close'), 3);
    const [a] = pools as [Pool];
    expect(a.channel('room', { maxQueuedBytes: 5 })).to.equal(channels[0]);
    const completed = lastValueFrom(channels[0]!.messages$.pipe(toArray()));
    channels[0]!.close();
    channels[0]!.close();
    await completed;
    expect(channels[0]!.closed).to.equal(true);
    expect(await code(channels[0]!.send('late'))).to.equal('closed');
    await Promise.all(channels.slice(1).map((channel) => firstValueFrom(channel.peers$.pipe(filter((ids) => !ids.includes(a.id!)), take(1), timeout(MESH_TIMEOUT_MS)))));
    // a new one with the same label: the others see it come back
    const again = a.channel('room');
    expect(again).to.not.equal(channels[0]);
    await Promise.all(channels.slice(1).map((channel) => firstValueFrom(channel.peers$.pipe(filter((ids) => ids.includes(a.id!)), take(1), timeout(MESH_TIMEOUT_MS)))));
    await reaches(again, [pools[1]!.id, pools[2]!.id]);
    const heard = firstValueFrom(channels[1]!.messages$.pipe(take(1), timeout(MESH_TIMEOUT_MS)));
    await again.send('back');
    expect((await heard).data).to.equal('back');
    // the pool's close closes its channels
    const ended = lastValueFrom(again.peers$.pipe(toArray()));
    a.close();
    await ended;
    expect(again.closed).to.equal(true);
    expect(() => a.channel('room')).to.throw(RtcPoolError).with.property('code', 'closed');
  });

  it('refuses bad arguments with bad-argument, and changes nothing', () => {
    const pool = tracker.create();
    expect(() => pool.channel(7 as never)).to.throw(RtcPoolError).with.property('code', 'bad-argument');
    expect(() => pool.channel('x', { maxQueuedBytes: -1 })).to.throw(RtcPoolError).with.property('code', 'bad-argument');
    expect(() => pool.channel('x', { highWaterMark: Number.NaN })).to.throw(RtcPoolError).with.property('code', 'bad-argument');
    const fine = pool.channel('x', { maxQueuedBytes: undefined });
    expect(fine.closed).to.equal(false);
    expect(fine.peers).to.deep.equal([]);
  });

  it('sends to nobody at once when no peer is on the channel', async () => {
    const pool = tracker.create();
    const alone = pool.channel('alone');
    await pool.join(uniquePool('pch-alone'));
    await alone.send('anyone?');
  });
});
