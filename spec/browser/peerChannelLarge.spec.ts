import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import { BLOB_READ_BYTES, RtcPoolError, type PeerChannel, type Pool } from '../../src';
import { uniquePool } from './support/environment';
import { equalBytes, pattern } from './support/bytes';
import { link, PoolTracker } from './support/pools';

const MiB = 1024 * 1024;
const code = (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(() => null, (error: unknown) => (error instanceof RtcPoolError ? error.code : String(error)));

describe('PeerChannel', function () {
  this.timeout(180_000);
  const tracker = new PoolTracker();
  let a: Pool;
  let b: Pool;
  beforeEach(async () => {
    [a, b] = (await tracker.mesh(uniquePool('pchl'), 2)) as [Pool, Pool];
  });
  afterEach(() => tracker.closeAll());
  const pair = (label: string, options = {}): Promise<PeerChannel[]> =>
    Promise.all([link(a, b).channel(label, options), link(b, a).channel(label, options)]);

  it('delivers a 48 MiB message among 1000 small ones whole and in order, with every byte equal', async () => {
    const [x, y] = await pair('bulk');
    const big = pattern(48 * MiB, 7);
    const arrived = firstValueFrom(y.messages$.pipe(take(1001), toArray()));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 1000; i += 1) {
      if (i === 400) sends.push(x.send(big));
      sends.push(x.send(i % 2 === 0 ? `small ${i}` : pattern(1024, i)));
    }
    await Promise.all(sends);
    const messages = await arrived;
    expect(messages.length).to.equal(1001);
    for (let i = 0, m = 0; i < 1000; i += 1, m += 1) {
      if (i === 400) {
        expect(equalBytes(new Uint8Array(messages[m] as ArrayBuffer), big), 'the big message').to.equal(true);
        m += 1;
      }
      const message = messages[m]!;
      if (i % 2 === 0) expect(message).to.equal(`small ${i}`);
      else expect(equalBytes(new Uint8Array(message as ArrayBuffer), pattern(1024, i)), `message ${i}`).to.equal(true);
    }
  });

  it('keeps the transport\'s buffer at or under the high-water mark all through a big send', async () => {
    const highWaterMark = 2 * MiB;
    const [x, y] = await pair('paced', { highWaterMark });
    const samples: number[] = [];
    // after every frame (when the buffer is fullest) and on a timer besides
    const timer = setInterval(() => samples.push(x!.bufferedAmount), 1);
    const arrived = firstValueFrom(y!.messages$);
    try {
      await x!.send(pattern(32 * MiB, 3), { onProgress: () => samples.push(x!.bufferedAmount) });
    } finally {
      clearInterval(timer);
    }
    await arrived;
    expect(samples.length).to.be.greaterThan(500);
    expect(Math.max(...samples)).to.be.at.most(highWaterMark);
    // and the mark was used: the sender did not trickle
    expect(Math.max(...samples)).to.be.greaterThan(highWaterMark / 2);
  });

  it('rejects the pending send with closed when the far side closes mid-send', async () => {
    const [x, y] = await pair('cut');
    let halfway!: () => void;
    const started = new Promise<void>((resolve) => (halfway = resolve));
    const sending = x!.send(pattern(48 * MiB, 1), { onProgress: ({ bytes }) => bytes > 4 * MiB && halfway() });
    const queued = x!.send('after');
    await started;
    y!.close();
    expect(await code(sending)).to.equal('closed');
    expect(await code(queued)).to.equal('closed');
    expect(x!.closed).to.equal(true);
  });

  it('a cancelled send rejects with aborted and leaves the channel usable', async () => {
    const [x, y] = await pair('cancel');
    const errors: RtcPoolError[] = [];
    y!.errors$.subscribe((error) => errors.push(error));
    const arrived = firstValueFrom(y!.messages$.pipe(take(2), toArray()));
    const controller = new AbortController();
    const cancelled = x!.send(pattern(32 * MiB, 2), {
      signal: controller.signal,
      onProgress: ({ bytes }) => bytes > 2 * MiB && controller.abort(),
    });
    const next = pattern(3 * MiB, 9);
    const after = [x!.send('next'), x!.send(next)];
    expect(await code(cancelled)).to.equal('aborted');
    await Promise.all(after);
    const [text, binary] = await arrived;
    expect(text).to.equal('next');
    expect(equalBytes(new Uint8Array(binary as ArrayBuffer), next)).to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('sends a 200 MiB Blob reading it in slices, without the sender holding it', async () => {
    const [x, y] = await pair('blob', { maxMessageBytes: 256 * MiB });
    const slice = pattern(MiB, 5);
    const blob = new Blob(Array.from({ length: 200 }, () => slice));
    // the proxy that works in every engine, and needs no timing: what the sender has asked of the
    // Blob and not yet handed to the transport (its progress) is what it holds of it
    const { arrayBuffer } = Blob.prototype;
    let read = 0;
    let sent = 0;
    let mostHeld = 0;
    Blob.prototype.arrayBuffer = function (this: Blob) {
      read += this.size;
      mostHeld = Math.max(mostHeld, read - sent);
      return arrayBuffer.call(this);
    };
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    const heapBefore = memory?.usedJSHeapSize ?? 0;
    let heapMost = heapBefore;
    const arrived = firstValueFrom(y!.messages$);
    try {
      await x!.send(blob, {
        onProgress: ({ bytes }) => {
          sent = bytes;
          heapMost = Math.max(heapMost, memory?.usedJSHeapSize ?? 0);
        },
      });
    } finally {
      Blob.prototype.arrayBuffer = arrayBuffer;
    }
    expect(read).to.equal(200 * MiB);
    // the slice being sent and the one being read ahead, never more
    expect(mostHeld).to.be.at.most(2 * BLOB_READ_BYTES);
    if (memory) expect(heapMost - heapBefore).to.be.below(64 * MiB);
    const message = new Uint8Array((await arrived) as ArrayBuffer);
    expect(message.length).to.equal(200 * MiB);
    for (const at of [0, 1, 77, 199]) expect(equalBytes(message.subarray(at * MiB, (at + 1) * MiB), slice), `MiB ${at}`).to.equal(true);
  });
});
