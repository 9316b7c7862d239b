import { expect } from 'chai';
import { firstValueFrom, take, toArray, type Observable } from 'rxjs';
import { CHUNK_PROTOCOL, RtcPoolError, type ManagedConnection, type Pool } from '../../src';
// the class itself: 'rtcpool' exports only its type (its code is loaded on first use)
import { PeerChannel } from '../../src/channel/peerChannel';
import { uniquePool } from './support/environment';
import { incomingChannel, link, nextMessage, PoolTracker, settle } from './support/pools';

const code = (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(() => null, (error: unknown) => (error instanceof RtcPoolError ? error.code : String(error)));

describe('ManagedConnection.channel', () => {
  const tracker = new PoolTracker();
  const opened: PeerChannel[] = [];
  let a: Pool;
  let b: Pool;
  let ab: ManagedConnection;
  let ba: ManagedConnection;
  beforeEach(async () => {
    [a, b] = (await tracker.mesh(uniquePool('pch'), 2)) as [Pool, Pool];
    ab = link(a, b);
    ba = link(b, a);
  });
  afterEach(() => {
    tracker.closeAll();
    opened.splice(0);
  });
  const pair = async (label: string, first: ManagedConnection, second: ManagedConnection, gapMs = 0): Promise<[PeerChannel, PeerChannel]> => {
    const one = first.channel(label);
    if (gapMs > 0) await settle(gapMs);
    const two = second.channel(label);
    const ends = await Promise.all([one, two]);
    opened.push(...ends);
    return ends;
  };
  const exchange = async ([x, y]: [PeerChannel, PeerChannel]): Promise<void> => {
    const atY = firstValueFrom(y.messages$);
    const atX = firstValueFrom(x.messages$);
    await x.send('ping');
    await y.send(new Uint8Array([1, 2, 3]));
    expect(await atY).to.equal('ping');
    expect([...new Uint8Array((await atX) as ArrayBuffer)]).to.deep.equal([1, 2, 3]);
  };

  it('gives the two ends of one channel when one side calls long before the other', async () => {
    const ends = await pair('late', ab, ba, 300);
    expect(ends[0]).to.be.instanceOf(PeerChannel);
    expect(ends.map((end) => end.label)).to.deep.equal(['late', 'late']);
    await exchange(ends);
  });

  it('gives the two ends of one channel when the other side calls first', async () => {
    await exchange(await pair('other-first', ba, ab, 300));
  });

  it('gives the two ends of one channel when both call at once, many labels in parallel', async () => {
    const labels = Array.from({ length: 12 }, (_, i) => `both-${i}`);
    const all = await Promise.all(labels.map((label) => pair(label, i(label) ? ab : ba, i(label) ? ba : ab)));
    for (const ends of all) await exchange(ends);
    function i(label: string): boolean {
      return Number(label.split('-')[1]) % 2 === 0;
    }
  });

  it('returns the same PeerChannel to a second call with the same label, and a new one after close', async () => {
    const [x, y] = await pair('same', ab, ba);
    expect(await ab.channel('same')).to.equal(x);
    const farClosed = firstValueFrom(y.messages$.pipe(toArray()));
    x.close();
    expect(x.closed).to.equal(true);
    // the far end stays the same PeerChannel until the close reaches it
    await farClosed;
    const again = await pair('same', ab, ba);
    expect(again[0]).not.to.equal(x);
    await exchange(again);
  });

  it('never shows its data channel to the app, and lives beside a dataChannel() of the same label', async () => {
    const seen: string[] = [];
    ba.addEventListener('datachannel', (event) => seen.push(`listener:${(event as RTCDataChannelEvent).channel.label}`));
    b.dataChannels$.subscribe(({ event }) => seen.push(`stream:${event.channel.label}`));
    b.events.addEventListener('datachannel', (event) => seen.push(`pool:${(event as RTCDataChannelEvent).channel.label}`));
    const ends = await pair('files', ab, ba);
    const raw = incomingChannel(ba, 'files');
    const mine = await ab.dataChannel('files');
    const theirs = await raw;
    expect(theirs.protocol).to.equal('');
    const rawMessage = nextMessage(theirs);
    mine.send('raw');
    await exchange(ends);
    expect(await rawMessage).to.equal('raw');
    await settle();
    expect(seen.sort()).to.deep.equal(['listener:files', 'pool:files', 'stream:files']);
  });

  it('rejects with timeout when the peer never asks, and closes what it made', async () => {
    expect(await code(ab.channel('lonely', { timeout: 300 }))).to.equal('timeout');
    // the peer holds nothing: a later pair under the same label works at once
    await exchange(await pair('lonely', ab, ba));
  });

  it('rejects with bad-argument for a label that is not a string or options out of range', async () => {
    expect(await code(ab.channel(7 as never))).to.equal('bad-argument');
    expect(await code(ab.channel('x', { chunkBytes: 10 }))).to.equal('bad-argument');
    expect(await code(ab.channel('x', { highWaterMark: -1 }))).to.equal('bad-argument');
    expect(await code(ab.channel('x', { timeout: Number.NaN }))).to.equal('bad-argument');
  });

  it('uses the protocol field to tell its channels from raw ones', async () => {
    const pc = (ab as unknown as { conn: RTCPeerConnection }).conn;
    const made: RTCDataChannel[] = [];
    const create = pc.createDataChannel.bind(pc);
    pc.createDataChannel = (label, init) => {
      const channel = create(label, init);
      made.push(channel);
      return channel;
    };
    await pair('proto', ab, ba);
    expect(made.map((channel) => [channel.label, channel.protocol, channel.ordered, channel.negotiated])).to.deep.equal([
      ['proto', CHUNK_PROTOCOL, true, false],
    ]);
  });

  it('closing one end closes the other: sends reject with closed and the streams complete', async () => {
    const [x, y] = await pair('bye', ab, ba);
    const done = firstValueFrom(y.messages$.pipe(toArray()));
    const errors = firstValueFrom(y.errors$.pipe(toArray()));
    x.close();
    expect(await done).to.deep.equal([]);
    // a close is not an error
    expect((await errors).map((error) => error.message)).to.deep.equal([]);
    expect(y.closed).to.equal(true);
    expect(await code(y.send('late'))).to.equal('closed');
    expect(await code(x.send('late'))).to.equal('closed');
  });

  it('closing the connection closes its PeerChannels, rejects pending sends and pending channel() calls', async () => {
    const [x] = await pair('conn', ab, ba);
    const pendingSend = x.send(new Uint8Array(40 * 1024 * 1024));
    const pendingChannel = ab.channel('never');
    const ended = firstValueFrom(x.errors$.pipe(toArray()));
    a.close();
    expect(await code(pendingSend)).to.equal('closed');
    expect(await code(pendingChannel)).to.equal('closed');
    expect(await ended).to.deep.equal([]);
    expect(x.closed).to.equal(true);
    expect(await code(ab.channel('after'))).to.equal('closed');
  });

  it('refuses a message over the receive limit with too-large on errors$, and stays usable', async () => {
    const [x, y] = await Promise.all([ab.channel('limit'), ba.channel('limit', { maxMessageBytes: 1024 * 1024 })]);
    const errors: RtcPoolError[] = [];
    y.errors$.subscribe((error) => errors.push(error));
    const got = firstValueFrom(y.messages$.pipe(take(2), toArray()));
    await x.send(new Uint8Array(3 * 1024 * 1024));
    await x.send('x'.repeat(2 * 1024 * 1024));
    await x.send('small after');
    await x.send(new Uint8Array(1024 * 1024));
    const messages = await got;
    expect(errors.map((error) => error.code)).to.deep.equal(['too-large', 'too-large']);
    expect(errors[0]!.peer).to.equal(a.id);
    expect(messages[0]).to.equal('small after');
    expect((messages[1] as ArrayBuffer).byteLength).to.equal(1024 * 1024);
  });

  it('reports receive progress up to the total', async () => {
    const [x, y] = await pair('progress', ab, ba);
    const progress: number[] = [];
    y.progress$.subscribe(({ direction, bytes, total }) => direction === 'receive' && total === 2_000_000 && progress.push(bytes));
    const got = firstValueFrom(y.messages$);
    await x.send(new Uint8Array(2_000_000));
    await got;
    expect(progress.length).to.be.greaterThan(10);
    expect(progress.at(-1)).to.equal(2_000_000);
  });

  it('leaves nothing behind after close: no listener on its channels, no pending entry, streams completed', async () => {
    const listening = new Map<EventTarget, Set<string>>();
    const proto = RTCDataChannel.prototype;
    const { addEventListener: add, removeEventListener: remove } = proto;
    const key = (type: string, listener: unknown): string => `${type}:${String(listeners.indexOf(listener) >= 0 ? listeners.indexOf(listener) : listeners.push(listener) - 1)}`;
    const listeners: unknown[] = [];
    proto.addEventListener = function (this: RTCDataChannel, type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions) {
      if (!(typeof options === 'object' && options.once)) {
        if (!listening.has(this)) listening.set(this, new Set());
        listening.get(this)!.add(key(type, listener));
      }
      add.call(this, type, listener!, options);
    } as typeof proto.addEventListener;
    proto.removeEventListener = function (this: RTCDataChannel, type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions) {
      listening.get(this)?.delete(key(type, listener));
      remove.call(this, type, listener!, options);
    } as typeof proto.removeEventListener;
    try {
      const [x, y] = await pair('tidy', ab, ba);
      // a glare, a timeout and a refused message too: every path that adds listeners
      await Promise.all([ab.channel('both'), ba.channel('both')]);
      await code(ab.channel('nobody', { timeout: 50 }));
      const got = firstValueFrom(y.messages$.pipe(take(1)));
      await x.send(new Uint8Array(3 * 1024 * 1024));
      await got;
      const streams: Array<Observable<unknown>> = [x.messages$, x.errors$, x.progress$, y.messages$];
      const completed = streams.map((stream) => firstValueFrom(stream.pipe(toArray())));
      a.close();
      await Promise.all(completed);
      await settle(200);
      const registries = [ab, ba].map((connection) => (connection as unknown as { channels: { pending: Map<string, unknown>; held: Map<string, unknown> } }).channels);
      expect(registries[0]!.pending.size + registries[0]!.held.size).to.equal(0);
      const ours = [...listening.entries()].filter(([channel]) => (channel as RTCDataChannel).protocol === CHUNK_PROTOCOL);
      expect(ours.length).to.be.greaterThan(0);
      expect(ours.map(([channel, set]) => [(channel as RTCDataChannel).label, [...set]]).filter(([, set]) => set.length > 0)).to.deep.equal([]);
    } finally {
      proto.addEventListener = add;
      proto.removeEventListener = remove;
    }
  });
});
