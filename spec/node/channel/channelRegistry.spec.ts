import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { ChannelRegistry, MAX_HELD_CHANNELS, READY_RESEND_MS } from '../../../src/channel/channelRegistry';
import { CHUNK_PROTOCOL, decodeFrame, readyFrame } from '../../../src/channel/framing';
import type { PeerChannel } from '../../../src/channel/peerChannel';
import { RtcPoolError } from '../../../src/errors';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One end of a fake data channel: messages and closes reach the far end a tick later. */
class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  far: FakeChannel | null = null;
  /** How many of the next messages this end sends are lost (as Chromium loses them on a reused stream). */
  drop = 0;
  constructor(readonly label: string, readonly protocol: string, readonly id: number) {
    super();
  }
  send(data: string | Uint8Array): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    if (this.drop > 0) return void (this.drop -= 1);
    const copy = typeof data === 'string' ? data : data.slice().buffer;
    setTimeout(() => this.far?.readyState === 'open' && this.far.dispatchEvent(new MessageEvent('message', { data: copy })));
  }
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
    const far = this.far;
    setTimeout(() => far?.close());
  }
  open(): void {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }
}

/** Two sides of one connection, each with its registry; ids are even on one side, odd on the other, as SCTP gives them. */
function connect(): { a: ChannelRegistry; b: ChannelRegistry; made: FakeChannel[] } {
  const made: FakeChannel[] = [];
  const registries: ChannelRegistry[] = [];
  let next = [0, 1];
  const pc = (side: 0 | 1) =>
    ({
      sctp: null,
      createDataChannel(label: string, init: RTCDataChannelInit): FakeChannel {
        const mine = new FakeChannel(label, init.protocol ?? '', next[side]!);
        next = next.map((n, i) => (i === side ? n + 2 : n));
        const theirs = new FakeChannel(label, mine.protocol, mine.id);
        mine.far = theirs;
        theirs.far = mine;
        made.push(mine);
        setTimeout(() => {
          mine.open();
          theirs.open();
          if (!registries[1 - side]!.take(theirs as unknown as RTCDataChannel)) throw new Error('not taken');
        }, 2);
        return mine;
      },
    }) as unknown as RTCPeerConnection;
  registries.push(new ChannelRegistry(pc(0), 'b', 2_000), new ChannelRegistry(pc(1), 'a', 2_000));
  return { a: registries[0]!, b: registries[1]!, made };
}

async function talk(x: PeerChannel, y: PeerChannel): Promise<void> {
  const atY = firstValueFrom(y.messages$);
  await x.send('hello');
  expect(await atY).to.equal('hello');
  const atX = firstValueFrom(x.messages$);
  await y.send('back');
  expect(await atX).to.equal('back');
}

describe('ChannelRegistry', () => {
  it('pairs a call with a later call on the other side', async () => {
    const { a, b, made } = connect();
    const first = a.open('x', {});
    await tick(20);
    const [x, y] = await Promise.all([first, b.open('x', {})]);
    expect(made.map((c) => [c.label, c.protocol])).to.deep.equal([['x', CHUNK_PROTOCOL]]);
    await talk(x, y);
  });

  it('when both call at once, both keep the channel with the smaller id and close the other', async () => {
    const { a, b, made } = connect();
    const [x, y] = await Promise.all([a.open('x', {}), b.open('x', {})]);
    expect(made.map((c) => c.id)).to.deep.equal([0, 1]);
    await tick(10);
    expect(made.map((c) => c.readyState)).to.deep.equal(['open', 'closed']);
    await talk(x, y);
  });

  it('takes the peer’s channel when ours closes before it was numbered (the peer closed it: it lost there)', async () => {
    // ours is made before the transport is up: no stream id, and the peer closes it unopened
    const ours = new FakeChannel('x', CHUNK_PROTOCOL, null as never);
    const pc = { sctp: null, createDataChannel: () => ours } as unknown as RTCPeerConnection;
    const registry = new ChannelRegistry(pc, 'peer', 5_000);
    const waiting = registry.open('x', {});
    // the peer's channel arrives, open, while ours has no id yet: the glare waits on ours
    const theirs = new FakeChannel('x', CHUNK_PROTOCOL, 1);
    const peerEnd = new FakeChannel('x', CHUNK_PROTOCOL, 1);
    theirs.far = peerEnd;
    peerEnd.far = theirs;
    theirs.open();
    peerEnd.open();
    // the peer made `theirs`: it answers our READY, as a maker does
    peerEnd.addEventListener('message', (event) => decodeFrame((event as MessageEvent).data as ArrayBuffer).type === 'ready' && peerEnd.send(readyFrame()));
    expect(registry.take(theirs as unknown as RTCDataChannel)).to.equal(true);
    await tick(10);
    ours.close();
    const channel = await Promise.race([waiting, tick(2_000).then(() => null)]);
    expect(channel, 'the peer’s channel was taken').to.not.equal(null);
    expect(channel!.label).to.equal('x');
    registry.close();
  });

  it('returns the same promise for a label that is pending or open', async () => {
    const { a, b } = connect();
    const one = a.open('x', {});
    expect(a.open('x', { timeout: 1 })).to.equal(one);
    const [x] = await Promise.all([one, b.open('x', {})]);
    expect(await a.open('x', {})).to.equal(x);
  });

  it('sends READY again until the maker answers, when the first ones are lost', async () => {
    const { a, b, made } = connect();
    const first = a.open('x', {});
    await tick(20);
    // the taker's end of the maker's channel loses its first two messages
    made[0]!.far!.drop = 2;
    const started = Date.now();
    const [x, y] = await Promise.all([first, b.open('x', {})]);
    expect(Date.now() - started).to.be.at.least(2 * READY_RESEND_MS - 20);
    await talk(x, y);
  });

  it('makes its own channel when the one it held was given up by its maker', async () => {
    const { a, b, made } = connect();
    // b holds a's channel; a gives it up at its timeout, and b asks before the close reaches it
    let code: string | null = null;
    const late = a.open('x', { timeout: 20 }).catch((e: RtcPoolError) => ((code = e.code), b.open('x', {})));
    await tick(60);
    expect(code).to.equal('timeout');
    expect(made.map((c) => [c.id, c.readyState])).to.deep.equal([[0, 'closed'], [1, 'open']]);
    const [y, x] = await Promise.all([late, a.open('x', {})]);
    await talk(x, y);
  });

  it(`holds at most ${MAX_HELD_CHANNELS} channels the app has not asked for`, async () => {
    const { a, made } = connect();
    for (let i = 0; i <= MAX_HELD_CHANNELS; i += 1) void a.open(`label-${i}`, { timeout: 5_000 }).catch(() => undefined);
    await tick(30);
    const closed = made.filter((c) => c.far!.readyState === 'closed');
    expect(closed.map((c) => c.label)).to.deep.equal([`label-${MAX_HELD_CHANNELS}`]);
    a.close();
  });

  it('close() rejects pending calls with closed, closes held and open channels, and refuses later calls', async () => {
    const { a, b, made } = connect();
    const [x] = await Promise.all([a.open('open', {}), b.open('open', {})]);
    const pending = b.open('pending', {}).then(() => null, (e: RtcPoolError) => e.code);
    void a.open('held-by-b', {}).catch(() => undefined);
    await tick(20);
    b.close();
    expect(await pending).to.equal('closed');
    await tick(10);
    expect(made.every((c) => c.readyState === 'closed')).to.equal(true);
    expect(x.closed).to.equal(true);
    expect(await b.open('later', {}).then(() => null, (e: RtcPoolError) => e.code)).to.equal('closed');
    a.close();
  });

  it('rejects options out of range with bad-argument', async () => {
    const { a } = connect();
    for (const options of [{ chunkBytes: 8 }, { highWaterMark: 0 }, { maxMessageBytes: -1 }, { timeout: -Infinity }, { timeout: 2 ** 31 }, { signal: {} as AbortSignal }]) {
      expect(await a.open('x', options).then(() => null, (e: RtcPoolError) => e.code)).to.equal('bad-argument');
    }
  });

  it('waits with no time limit for timeout: Infinity (no timer fires at once)', async () => {
    const { a, b } = connect();
    const waiting = a.open('x', { timeout: Infinity });
    let settled = false;
    waiting.then(() => (settled = true), () => (settled = true));
    await tick(50);
    expect(settled).to.equal(false);
    const [x] = await Promise.all([waiting, b.open('x', {})]);
    await talk(x, await b.open('x', {}));
  });

  it('gives a wait up when its signal aborts: aborted, and its channel closed', async () => {
    const { a, b, made } = connect();
    const cancel = new AbortController();
    const waiting = a.open('x', { timeout: Infinity, signal: cancel.signal });
    await tick(20);
    cancel.abort();
    expect(await waiting.then(() => null, (e: RtcPoolError) => e.code)).to.equal('aborted');
    expect(made[0]!.readyState).to.equal('closed');
    // the label is free again: a new call is a new wait, and the two sides meet
    const [x, y] = await Promise.all([a.open('x', {}), b.open('x', {})]);
    await talk(x, y);
    // an already aborted signal settles at once and makes no channel
    const count = made.length;
    expect(await a.open('z', { signal: cancel.signal }).then(() => null, (e: RtcPoolError) => e.code)).to.equal('aborted');
    expect(made.length).to.equal(count);
  });
});
