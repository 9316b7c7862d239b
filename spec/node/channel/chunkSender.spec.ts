import { expect } from 'chai';
import { ChunkSender, type FrameSink } from '../../../src/channel/chunkSender';
import { decodeFrame } from '../../../src/channel/framing';
import { BLOB_READ_BYTES } from '../../../src/channel/messageSource';
import { Reassembler } from '../../../src/channel/reassembler';
import { RtcPoolError } from '../../../src/errors';

/** A transport that buffers what it is given until the spec drains it, and remembers the peak. */
class FakeSink implements FrameSink {
  bufferedAmount = 0;
  peak = 0;
  readonly frames: Array<string | ArrayBuffer> = [];
  send(frame: string | Uint8Array<ArrayBuffer>): void {
    // like RTCDataChannel.send(): the data is copied before send() returns
    this.frames.push(typeof frame === 'string' ? frame : frame.slice().buffer);
    this.bufferedAmount += typeof frame === 'string' ? new TextEncoder().encode(frame).length : frame.length;
    this.peak = Math.max(this.peak, this.bufferedAmount);
  }
}

const CHUNK = 1024;
const HIGH = 4 * CHUNK;

/** Drains the sink (as the network would) whenever the sender waits, until `done` settles. */
async function drive<T>(sink: FakeSink, sender: ChunkSender, done: Promise<T>): Promise<T> {
  let settled = false;
  const result = done.finally(() => (settled = true));
  result.catch(() => undefined);
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    sink.bufferedAmount = 0;
    sender.drained();
  }
  return result;
}

/** What a receiver makes of every frame sent. */
function received(sink: FakeSink, limit = Infinity): Array<string | ArrayBuffer> {
  const r = new Reassembler(limit);
  return sink.frames.flatMap((f) => r.accept(decodeFrame(f), false)).flatMap((e) => (e.type === 'message' ? [e.data] : []));
}

const bytes = (n: number, seed = 1): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('ChunkSender', () => {
  it('sends a small string at once, as one string frame, and resolves', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const sent = sender.send('hello');
    expect(sink.frames).to.deep.equal(['hello']);
    await sent;
  });

  it('splits a big message into frames no larger than the chunk, never buffering past the mark', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const data = bytes(50 * CHUNK + 17);
    await drive(sink, sender, sender.send(data));
    expect(sink.peak).to.be.at.most(HIGH);
    for (const frame of sink.frames) expect((frame as ArrayBuffer).byteLength).to.be.at.most(CHUNK);
    const [message] = received(sink);
    expect(new Uint8Array(message as ArrayBuffer)).to.deep.equal(data);
  });

  it('keeps the order of messages of every kind and size', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const big = bytes(10 * CHUNK);
    const bigText = 'ü'.repeat(3 * CHUNK);
    const blob = new Blob([bytes(3 * CHUNK, 7)]);
    const all = Promise.all([
      sender.send('first'),
      sender.send(big),
      sender.send('second'),
      sender.send(bigText),
      sender.send(new Uint16Array([1, 2])),
      sender.send(blob),
      sender.send(''),
      sender.send(new ArrayBuffer(0)),
    ]);
    await drive(sink, sender, all);
    const got = received(sink);
    expect(got.length).to.equal(8);
    expect(got[0]).to.equal('first');
    expect(new Uint8Array(got[1] as ArrayBuffer)).to.deep.equal(big);
    expect(got[2]).to.equal('second');
    expect(got[3]).to.equal(bigText);
    expect([...new Uint16Array(got[4] as ArrayBuffer)]).to.deep.equal([1, 2]);
    expect(new Uint8Array(got[5] as ArrayBuffer)).to.deep.equal(bytes(3 * CHUNK, 7));
    expect(got[6]).to.equal('');
    expect((got[7] as ArrayBuffer).byteLength).to.equal(0);
  });

  it('reports progress up to the total', async () => {
    const sink = new FakeSink();
    const reported: number[] = [];
    const sender = new ChunkSender(sink, CHUNK, HIGH, ({ bytes: b }) => reported.push(b), () => true);
    const own: number[] = [];
    await drive(sink, sender, sender.send(bytes(5 * CHUNK), { onProgress: ({ bytes: b, total }) => (own.push(b), expect(total).to.equal(5 * CHUNK)) }));
    expect(own.at(-1)).to.equal(5 * CHUNK);
    expect(own).to.deep.equal([...own].sort((a, b) => a - b));
    expect(reported).to.deep.equal(own);
  });

  it('an abort mid-message rejects with aborted, sends ABORT, and the next message arrives whole', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const controller = new AbortController();
    const first = sender.send(bytes(20 * CHUNK), { signal: controller.signal });
    const second = sender.send('after');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.frames.length).to.be.greaterThan(0);
    controller.abort(new Error('user'));
    const error = await first.then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(RtcPoolError).with.property('code', 'aborted');
    await drive(sink, sender, second);
    expect(received(sink)).to.deep.equal(['after']);
  });

  it('an abort of a queued message removes it without a frame', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const controller = new AbortController();
    const first = sender.send(bytes(8 * CHUNK));
    const queued = sender.send(bytes(8 * CHUNK, 3), { signal: controller.signal }).then(() => null, (e: RtcPoolError) => e.code);
    controller.abort();
    await drive(sink, sender, first);
    expect(await queued).to.equal('aborted');
    expect(received(sink).length).to.equal(1);
    expect(await sender.send('x', { signal: AbortSignal.abort() }).then(() => null, (e: RtcPoolError) => e.code)).to.equal('aborted');
  });

  it('close() rejects what is pending and everything after with the error given', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, CHUNK, HIGH);
    const pending = [sender.send(bytes(20 * CHUNK)), sender.send('queued')];
    sender.close(new RtcPoolError('closed', 'gone'));
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as RtcPoolError).code)).to.deep.equal(['closed', 'closed']);
    expect(await sender.send('later').then(() => null, (e: RtcPoolError) => e.code)).to.equal('closed');
  });

  it('rejects data it cannot send with bad-argument', async () => {
    const sender = new ChunkSender(new FakeSink(), CHUNK, HIGH);
    expect(await sender.send(42 as never).then(() => null, (e: RtcPoolError) => e.code)).to.equal('bad-argument');
  });

  it('reads a Blob in slices, at most two at a time, never whole', async () => {
    const sink = new FakeSink();
    const sender = new ChunkSender(sink, 64 * 1024, 256 * 1024);
    const size = 8 * BLOB_READ_BYTES + 5;
    const blob = new Blob([bytes(size)]);
    let outstanding = 0;
    let most = 0;
    let largest = 0;
    const { arrayBuffer } = Blob.prototype;
    Blob.prototype.arrayBuffer = function (this: Blob) {
      outstanding += 1;
      most = Math.max(most, outstanding);
      largest = Math.max(largest, this.size);
      return arrayBuffer.call(this).finally(() => void setImmediate(() => (outstanding -= 1)));
    };
    try {
      await drive(sink, sender, sender.send(blob));
    } finally {
      Blob.prototype.arrayBuffer = arrayBuffer;
    }
    expect(largest).to.be.at.most(BLOB_READ_BYTES);
    expect(most).to.be.at.most(2);
    expect(new Uint8Array(received(sink)[0] as ArrayBuffer)).to.deep.equal(bytes(size));
  });
});
