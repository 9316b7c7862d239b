import { RtcPoolError } from '../errors';
import { Fifo } from './fifo';
import { abortFrame, moreFrame, SHORT_HEADER_BYTES, START_HEADER_BYTES, startFrame, wholeFrame } from './framing';
import { isPeerChannelData, messageSource, type PeerChannelData, type MessageSource } from './messageSource';

/** The part of an RTCDataChannel a {@link ChunkSender} uses (a fake in the unit specs). */
export interface FrameSink {
  readonly bufferedAmount: number;
  /** Anything but `open` (a channel the peer began to close) stops the sending. */
  readonly readyState?: RTCDataChannelState;
  send(frame: string | Uint8Array<ArrayBuffer>): void;
}

/** How far one send has got: bytes of the message handed to the transport, of its total. */
export interface SendProgress {
  readonly bytes: number;
  readonly total: number;
}

/** One queued message and how to settle its promise. */
interface Job {
  readonly data: PeerChannelData;
  source: MessageSource | null;
  readonly onProgress: ((progress: SendProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly resolve: () => void;
  readonly reject: (error: RtcPoolError) => void;
  /** Set when the job's promise has settled early (aborted); the pump then drops it. */
  failed: RtcPoolError | null;
  started: boolean;
  onAbort: (() => void) | null;
}

/**
 * Sends whole messages of any size as `rtcpool-chunks/1` frames, one message after another, and
 * paces itself: a frame goes only if the transport's `bufferedAmount` stays at or under the
 * high-water mark after it, else the sender waits for {@link ChunkSender.drained} (the channel's
 * `bufferedamountlow`). So the transport never buffers more than the mark, and the sender holds
 * no more than the messages the app gave it (views, not copies) and one Blob read-ahead.
 */
export class ChunkSender {
  readonly #queue = new Fifo<Job>();
  #pumping = false;
  #closedWith: RtcPoolError | null = null;
  #wake: (() => void) | null = null;
  readonly #scratch: Uint8Array<ArrayBuffer>;

  readonly #sink: FrameSink;
  readonly #chunkBytes: number;
  readonly #highWaterMark: number;
  readonly #report: (progress: SendProgress) => void;
  readonly #wantsProgress: () => boolean;
  readonly #broken: () => void;

  /**
   * @param sink - where frames go
   * @param chunkBytes - the largest frame, header included
   * @param highWaterMark - the most `bufferedAmount` may reach
   * @param report - every send's progress, for `progress$` (called only when `wantsProgress()`)
   * @param wantsProgress - whether anyone listens to `report`
   * @param broken - told when the sink is found closing; it is expected to call `close()`
   */
  constructor(
    sink: FrameSink,
    chunkBytes: number,
    highWaterMark: number,
    report: (progress: SendProgress) => void = () => undefined,
    wantsProgress: () => boolean = () => false,
    broken: () => void = () => undefined,
  ) {
    this.#sink = sink;
    this.#chunkBytes = chunkBytes;
    this.#highWaterMark = highWaterMark;
    this.#report = report;
    this.#wantsProgress = wantsProgress;
    this.#broken = broken;
    this.#scratch = new Uint8Array(chunkBytes);
  }

  /** Queues one message; the promise settles as `PeerChannel.send()` says. */
  send(data: PeerChannelData, options: { signal?: AbortSignal; onProgress?: (progress: SendProgress) => void } = {}): Promise<void> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    if (!isPeerChannelData(data)) return Promise.reject(new RtcPoolError('bad-argument', 'send() takes a string, an ArrayBuffer, a typed array, a DataView or a Blob'));
    // small messages while nothing waits: straight through, as cheap as on a raw channel
    try {
      if (this.#queue.length === 0 && this.#sendable() && this.#trySmall(data, onProgress)) return Promise.resolve();
    } catch (error) {
      return Promise.reject(transportFailure(error));
    }
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    return new Promise<void>((resolve, reject) => {
      const job: Job = { data, source: null, onProgress, signal, resolve, reject, failed: null, started: false, onAbort: null };
      if (signal) {
        job.onAbort = () => this.#fail(job, aborted(signal));
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      void this.#pump();
    });
  }

  /** The transport's buffer went under its low threshold: go on sending. */
  drained(): void {
    this.#wake?.();
  }

  /** Rejects every pending send with `error`, and every later one. */
  close(error: RtcPoolError): void {
    if (this.#closedWith) return;
    this.#closedWith = error;
    for (const job of this.#queue.drain()) this.#fail(job, error);
    this.#wake?.();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#closedWith) {
        const job = this.#queue.peek()!;
        let sent = false;
        try {
          sent = !job.failed && this.#sendable() && this.#trySmall(job.data, job.onProgress);
        } catch (error) {
          this.#fail(job, transportFailure(error));
        }
        if (sent || job.failed) {
          if (this.#queue.peek() === job) this.#queue.shift();
          if (sent) this.#settle(job);
          continue;
        }
        if (this.#closedWith) break;
        await this.#transmit(job);
        if (this.#queue.peek() === job) this.#queue.shift();
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Sends a message that fits one frame, at once, if the buffer has room for it: a string as a
   * string frame (a bound of 3 bytes per UTF-16 unit spares encoding it), binary as WHOLE.
   */
  #trySmall(data: PeerChannelData, onProgress: ((progress: SendProgress) => void) | undefined): boolean {
    let size: number;
    if (typeof data === 'string') {
      size = data.length * 3;
      if (data.length === 0 || size > this.#chunkBytes || this.#sink.bufferedAmount + size > this.#highWaterMark) return false;
      this.#sink.send(data);
    } else {
      let bytes: Uint8Array;
      if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
      else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      else return false;
      size = bytes.length + SHORT_HEADER_BYTES;
      if (size > this.#chunkBytes || this.#sink.bufferedAmount + size > this.#highWaterMark) return false;
      this.#sink.send(wholeFrame(bytes, this.#scratch));
      size = bytes.length;
    }
    if (onProgress || this.#wantsProgress()) this.#progress(onProgress, size, size);
    return true;
  }

  /** False, after closing, once the channel is no longer open. */
  #sendable(): boolean {
    if (this.#closedWith) return false;
    if (this.#sink.readyState === undefined || this.#sink.readyState === 'open') return true;
    // Firefox goes on taking data for a channel the peer closed until its close event comes
    this.#broken();
    this.close(new RtcPoolError('closed', `the channel is ${this.#sink.readyState}`));
    return false;
  }

  async #transmit(job: Job): Promise<void> {
    if (job.failed) return;
    let source: MessageSource;
    try {
      source = job.source = messageSource(job.data);
    } catch (error) {
      this.#fail(job, error as RtcPoolError);
      return;
    }
    try {
      if (typeof job.data === 'string' && source.total > 0 && source.total <= this.#chunkBytes) {
        // one string frame, as is: the receiver tells it by its type
        if (!(await this.#room(job, source.total))) return;
        this.#sink.send(job.data as string);
        this.#progress(job.onProgress, source.total, source.total);
        this.#settle(job);
        return;
      }
      if (source.kind === 'binary' && source.total + SHORT_HEADER_BYTES <= this.#chunkBytes) {
        const payload = await source.next(source.total);
        if (!(await this.#room(job, payload.length + SHORT_HEADER_BYTES))) return;
        this.#sink.send(wholeFrame(payload));
        this.#progress(job.onProgress, source.total, source.total);
        this.#settle(job);
        return;
      }
      let sent = 0;
      let first = true;
      while (first || sent < source.total) {
        const max = this.#chunkBytes - (first ? START_HEADER_BYTES : SHORT_HEADER_BYTES);
        const payload = await source.next(max);
        if (job.failed || this.#closedWith) break;
        if (payload.length === 0 && !first) throw new RtcPoolError('bad-argument', 'the Blob ended before its size');
        if (!(await this.#room(job, payload.length + (first ? START_HEADER_BYTES : SHORT_HEADER_BYTES)))) break;
        this.#sink.send(first ? startFrame(source.kind, source.total, payload, this.#scratch) : moreFrame(payload, this.#scratch));
        job.started = true;
        first = false;
        sent += payload.length;
        this.#progress(job.onProgress, sent, source.total);
      }
      if (job.failed && job.started && !this.#closedWith) {
        // the receiver drops what it has of this message; then the next one begins cleanly
        if (await this.#room(null, 1)) this.#sink.send(abortFrame());
        return;
      }
      if (!job.failed && !this.#closedWith) this.#settle(job);
    } catch (error) {
      const failure = transportFailure(error);
      if (job.started && !this.#closedWith) {
        try {
          this.#sink.send(abortFrame());
        } catch {
          // the channel is going away: its close rejects the rest
        }
      }
      this.#fail(job, failure);
    } finally {
      source.release();
    }
  }

  /**
   * Waits until `bytes` more fit under the high-water mark. False when the job failed (aborted)
   * or the sender closed while it waited; `job` null waits regardless of any job.
   */
  async #room(job: Job | null, bytes: number): Promise<boolean> {
    if (!this.#sendable()) return false;
    while (this.#sink.bufferedAmount + bytes > this.#highWaterMark) {
      if (this.#closedWith || job?.failed) return false;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
    return !this.#closedWith && !job?.failed;
  }

  #progress(onProgress: ((progress: SendProgress) => void) | undefined, bytes: number, total: number): void {
    if (!onProgress && !this.#wantsProgress()) return;
    const progress: SendProgress = { bytes, total };
    // an app's callback that throws must not stop the sending
    try {
      onProgress?.(progress);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
    if (this.#wantsProgress()) this.#report(progress);
  }

  #settle(job: Job): void {
    if (job.onAbort) job.signal!.removeEventListener('abort', job.onAbort);
    job.resolve();
  }

  #fail(job: Job, error: RtcPoolError): void {
    if (job.failed) return;
    job.failed = error;
    if (job.onAbort) job.signal!.removeEventListener('abort', job.onAbort);
    job.reject(error);
    // a queued job that never began leaves without a trace; the pump ends a begun one with ABORT
    if (!job.started && this.#queue.peek() !== job) this.#queue.remove(job);
    this.#wake?.();
  }
}

/** What a throwing `RTCDataChannel.send()` (a channel closing under us) becomes. */
function transportFailure(error: unknown): RtcPoolError {
  return error instanceof RtcPoolError ? error : new RtcPoolError('closed', `the channel failed: ${String(error)}`, { cause: error });
}

function aborted(signal: AbortSignal): RtcPoolError {
  return new RtcPoolError('aborted', 'the send was aborted', { cause: signal.reason });
}
