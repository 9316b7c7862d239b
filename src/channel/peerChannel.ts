import { Subject, type Observable } from 'rxjs';
import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import { ChunkSender, type SendProgress } from './chunkSender';
import { decodeFrame, FrameType, readyFrame } from './framing';
import type { PeerChannelData } from './messageSource';
import type { ChannelProgress, SendOptions } from './peerChannelOptions';
import { Reassembler } from './reassembler';
import { inSubscriberZone } from '../zone/inSubscriberZone';

/** The settings a PeerChannel runs with, worked out by `channel()` from the options and the transport. */
export interface PeerChannelSettings {
  /** The largest frame sent, header included. */
  readonly chunkBytes: number;
  /** The most the transport may buffer. */
  readonly highWaterMark: number;
  /** The receive limit. */
  readonly maxMessageBytes: number;
  /** Whether this end made the channel, and so answers the handshake's READY (see `channelRegistry.ts`). */
  readonly answersReady?: boolean;
}

/**
 * One end of a message channel to a peer, from {@link ManagedConnection.channel}: messages of any
 * size, whole and in order, with backpressure, progress and cancellation. Underneath is one
 * ordered, reliable RTCDataChannel with the `protocol` `rtcpool-chunks/1` (framing in the README).
 *
 * Streams are hot: subscribe to `messages$` as soon as `channel()` resolves (in the same turn)
 * to miss nothing. Everything completes when the channel closes.
 *
 * @example
 * ```ts
 * const files = await conn.channel('files');
 * files.messages$.subscribe((message) => {
 *   if (message instanceof ArrayBuffer) save(new Blob([message]));
 * });
 * files.progress$.subscribe(({ direction, bytes, total }) => showBar(direction, bytes / total));
 * await files.send(fileInput.files[0]); // read in slices, paced; resolves once all is handed over
 * ```
 */
export class PeerChannel {
  readonly #messages = new Subject<string | ArrayBuffer>();
  readonly #errors = new Subject<RtcPoolError>();
  readonly #progresses = new Subject<ChannelProgress>();
  readonly #sender: ChunkSender;
  readonly #reassembler: Reassembler;
  #isClosed = false;

  /** Every message the peer sent, whole and in order: a `string` or an `ArrayBuffer`, as sent. Hot; completes on close. */
  readonly messages$: Observable<string | ArrayBuffer> = this.#messages.pipe(inSubscriberZone());
  /**
   * What went wrong without closing the channel: `too-large` for a message over the receive
   * limit (dropped; the next ones arrive), `protocol` (reason `bad-frame`) for a frame that breaks
   * the framing. Hot; completes on close.
   */
  readonly errors$: Observable<RtcPoolError> = this.#errors.pipe(inSubscriberZone());
  /** Progress of every message sent or received, frame by frame (for progress bars). Hot; completes on close. */
  readonly progress$: Observable<ChannelProgress> = this.#progresses.pipe(inSubscriberZone());

  readonly #channel: RTCDataChannel;
  readonly #peer: PeerId;
  readonly #settings: PeerChannelSettings;
  readonly #onClose: (channel: PeerChannel) => void;

  /**
   * Made by `ManagedConnection.channel()`; there is no need to construct one in your code.
   *
   * @param channel - an open data channel whose far end speaks `rtcpool-chunks/1`
   * @param peer - the peer's id
   * @param settings - chunk size, high-water mark and receive limit
   * @param onClose - told once when the channel closes, for whoever keeps the books
   */
  constructor(
    channel: RTCDataChannel,
    peer: PeerId,
    settings: PeerChannelSettings,
    onClose: (channel: PeerChannel) => void = () => undefined,
  ) {
    this.#channel = channel;
    this.#peer = peer;
    this.#settings = settings;
    this.#onClose = onClose;
    channel.binaryType = 'arraybuffer';
    // refill at half the mark: the buffer never runs dry between the event and the next frames
    channel.bufferedAmountLowThreshold = Math.floor(settings.highWaterMark / 2);
    this.#sender = new ChunkSender(
      channel,
      settings.chunkBytes,
      settings.highWaterMark,
      this.#reportSend,
      () => this.#progresses.observed,
      () => this.#onChannelClose(),
    );
    this.#reassembler = new Reassembler(settings.maxMessageBytes);
    channel.addEventListener('message', this.#onMessage);
    channel.addEventListener('bufferedamountlow', this.#onLow);
    channel.addEventListener('error', this.#onError);
    channel.addEventListener('close', this.#onChannelClose);
    if (channel.readyState === 'closing' || channel.readyState === 'closed') queueMicrotask(this.#onChannelClose);
  }

  /** The label both ends passed to `channel()`. */
  get label(): string {
    return this.#channel.label;
  }

  /** True once the channel is closed (by either side, or with its connection). */
  get closed(): boolean {
    return this.#isClosed;
  }

  /** Bytes the transport holds that are not sent yet; never more than the high-water mark. */
  get bufferedAmount(): number {
    return this.#channel.bufferedAmount;
  }

  /**
   * Sends one message of any size: a string, an `ArrayBuffer`, a typed array or DataView, or a
   * `Blob` (read in slices, never whole). Messages go in the order of the calls. Do not change
   * binary data until its promise settles: it is read as it goes.
   *
   * @param data - the message
   * @param options - an `AbortSignal` to cancel it, and an `onProgress` callback
   * @returns a promise that resolves once the whole message is handed to the transport
   * @throws (rejects) {@link RtcPoolError} `closed` if the channel or the connection closes
   *   first, `aborted` if `options.signal` aborts first (the channel stays usable; the peer drops
   *   the part it got), `bad-argument` for data of another type
   *
   * @example
   * ```ts
   * const cancel = new AbortController();
   * await chat.send('hi');
   * await files.send(blob, { signal: cancel.signal, onProgress: ({ bytes, total }) => bar(bytes / total) });
   * ```
   */
  send(data: PeerChannelData, options?: SendOptions): Promise<void> {
    return this.#sender.send(data, options);
  }

  /**
   * Closes the channel, on both sides: pending sends reject with `closed`, the streams complete,
   * and nothing of it is left behind. Calling it again does nothing.
   *
   * @example
   * ```ts
   * files.close();
   * ```
   */
  close(): void {
    this.#teardown(new RtcPoolError('closed', `channel '${this.label}' to ${this.#peer} was closed`, { peer: this.#peer }));
    this.#channel.close();
  }

  readonly #reportSend = ({ bytes, total }: SendProgress): void => {
    this.#progresses.next({ direction: 'send', bytes, total });
  };

  readonly #onMessage = ({ data }: MessageEvent): void => {
    // whole small messages, the common case, skip the reassembler (and its allocations)
    if (!this.#reassembler.busy) {
      if (typeof data === 'string') {
        if (data.length <= this.#settings.maxMessageBytes) return this.#messages.next(data);
      } else if ((data as ArrayBuffer).byteLength > 0 && new Uint8Array(data as ArrayBuffer, 0, 1)[0] === FrameType.whole) {
        if ((data as ArrayBuffer).byteLength - 1 <= this.#settings.maxMessageBytes) return this.#messages.next((data as ArrayBuffer).slice(1));
      }
    }
    const events = this.#reassembler.accept(decodeFrame(data as string | ArrayBuffer), this.#progresses.observed);
    for (const event of events) {
      switch (event.type) {
        case 'message':
          this.#messages.next(event.data);
          break;
        case 'progress':
          this.#progresses.next({ direction: 'receive', bytes: event.bytes, total: event.total });
          break;
        case 'too-large':
          this.#errors.next(
            new RtcPoolError('too-large', `refused a message of ${event.total} bytes on '${this.label}' from ${this.#peer}: the limit is ${this.#settings.maxMessageBytes} bytes`, { peer: this.#peer }),
          );
          break;
        case 'invalid':
          this.#errors.next(new RtcPoolError('protocol', `bad frame on '${this.label}' from ${this.#peer}: ${event.why}`, { reason: 'bad-frame', peer: this.#peer }));
          break;
        case 'ready':
          // the peer sent READY again before our answer reached it: answer again
          try {
            if (this.#settings.answersReady) this.#channel.send(readyFrame());
          } catch {
            // closing: its close event ends everything
          }
          break;
      }
    }
  };

  readonly #onLow = (): void => {
    this.#sender.drained();
  };

  readonly #onError = (event: Event): void => {
    // Chromium reports the peer's close() as an error ("User-Initiated Abort") on the way to
    // `close`: a closing channel's error is its close, and the close event says it
    if (this.#channel.readyState !== 'open') return;
    const error = (event as RTCErrorEvent).error;
    this.#errors.next(new RtcPoolError('closed', `channel '${this.label}' to ${this.#peer} failed: ${error?.message ?? 'unknown error'}`, { cause: error, peer: this.#peer }));
  };

  readonly #onChannelClose = (): void => {
    this.#teardown(new RtcPoolError('closed', `channel '${this.label}' to ${this.#peer} closed`, { peer: this.#peer }));
  };

  #teardown(error: RtcPoolError): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#channel.removeEventListener('message', this.#onMessage);
    this.#channel.removeEventListener('bufferedamountlow', this.#onLow);
    this.#channel.removeEventListener('error', this.#onError);
    this.#channel.removeEventListener('close', this.#onChannelClose);
    this.#sender.close(error);
    this.#reassembler.reset();
    // the books first: a subscriber that asks for the label again when the streams complete
    // must get a new channel, not this closed one
    this.#onClose(this);
    for (const subject of [this.#messages, this.#errors, this.#progresses]) subject.complete();
  }
}
