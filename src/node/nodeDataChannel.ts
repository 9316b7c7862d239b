import type { DataChannel } from 'node-datachannel';
import type { RTCDataChannel as PolyfillDataChannel } from 'node-datachannel/polyfill';
import { missingBase, nodeDataChannel } from './loadNodeDataChannel';

const Base: typeof PolyfillDataChannel =
  nodeDataChannel instanceof Error ? missingBase(nodeDataChannel) : nodeDataChannel.polyfill.RTCDataChannel;

/**
 * An `RTCDataChannel` of a Node peer connection (`rtcpool/node`): node-datachannel's polyfill
 * channel with `open` made reliable. The polyfill reads the native channel's state once when it
 * wraps it, and listens for the native open only from then on, so a channel that opens in
 * between (a received channel, or a negotiated one on a connected transport) never fires `open`
 * and stays `connecting` for ever. Here the native open is checked once more after listening
 * started, and `open` fires exactly once, after the `datachannel` event, as in browsers.
 *
 * Apps get these from `createDataChannel()` and `datachannel` events; they do not construct them.
 */
export class NodeDataChannel extends Base {
  readonly #native: DataChannel;
  #open = false;
  #openFired = false;
  #closeRequested = false;
  #nativeClosed = false;
  /** Bytes of Blobs being read before they are sent: W3C counts them in `bufferedAmount`. */
  #pendingBytes = 0;
  /** The send that must finish before the next, while a Blob is being read (keeps the order). */
  #sendQueue: Promise<void> | null = null;

  /** The SCTP stream id once known (the polyfill reads it once, before it is assigned). */
  #id: number | null = null;
  readonly #connectionClosed: () => boolean;

  /**
   * @internal
   * @param native - the native channel
   * @param init - the options it was made with (the polyfill reports them back)
   * @param connectionClosed - whether its peer connection was closed
   */
  constructor(native: DataChannel, init: RTCDataChannelInit, connectionClosed: () => boolean) {
    super(native, init);
    this.#native = native;
    this.#connectionClosed = connectionClosed;
    // a received channel is open when announced (W3C: readyState is already `open` in `datachannel`)
    this.#open = native.isOpen();
    // replaces the polyfill's native open listener, so `open` has one source
    native.onOpen(() => this.#announceOpen());
  }

  /**
   * Fires `open` once the native channel is open, checking again after the current task: the
   * native open may have happened before anyone listened. Called by the peer connection right
   * after it hands the channel out.
   *
   * @internal
   */
  watchOpen(): void {
    setImmediate(() => {
      if (this.#native.isOpen()) this.#announceOpen();
    });
  }

  /** `open` once it opened (never missed); `closing` as soon as `close()` was called. */
  override get readyState(): RTCDataChannelState {
    const state = super.readyState;
    if (state === 'closed' || state === 'closing') return state;
    if (this.#closeRequested) return 'closing';
    return this.#open ? 'open' : state;
  }

  /** Bytes queued: the native buffer's, plus what waits for it. */
  override get bufferedAmount(): number {
    return this.#closeRequested && this.#connectionClosed() ? this.#pendingBytes : this.#tryNative(() => this.#native.bufferedAmount(), 0) + this.#pendingBytes;
  }

  /** The SCTP stream id, null until the transport assigns one (W3C). */
  override get id(): number | null {
    if (this.#id === null) {
      this.#id = streamId(this.#tryNative(() => this.#native.getId(), -1));
    }
    return this.#id;
  }

  /** Sends like a browser's channel; throws `InvalidStateError` unless the channel is open. */
  override send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') {
      throw new DOMException("Failed to execute 'send' on 'RTCDataChannel': RTCDataChannel.readyState is not 'open'", 'InvalidStateError');
    }
    if (isBlob(data)) {
      const size = data.size;
      this.#pendingBytes += size;
      const previous = this.#sendQueue ?? Promise.resolve();
      const sent = previous
        .then(() => data.arrayBuffer())
        .then((buffer) => this.#sendNow(new Uint8Array(buffer)))
        .catch((error: unknown) => {
          this.dispatchEvent(Object.assign(new Event('error'), { error }));
        })
        .finally(() => {
          this.#pendingBytes -= size;
          if (this.#sendQueue === sent) this.#sendQueue = null;
        });
      this.#sendQueue = sent;
      return;
    }
    if (this.#sendQueue) {
      // a Blob ahead of this message is still being read: keep the order
      const bytes = typeof data === 'string' ? data : copyBytes(data);
      const sent = this.#sendQueue.then(() => this.#sendNow(bytes));
      this.#sendQueue = sent.finally(() => {
        if (this.#sendQueue === sent) this.#sendQueue = null;
      });
      return;
    }
    this.#sendNow(typeof data === 'string' ? data : viewBytes(data));
  }

  /**
   * Closes the channel. The native close waits for the next task, as the polyfill's does; by
   * then a closed peer connection has dealt with it (see `closeWithConnection`).
   */
  override close(): void {
    if (this.#closeRequested) return;
    this.#closeRequested = true;
    setImmediate(() => {
      if (this.#connectionClosed()) return;
      this.#closeNative();
    });
  }

  /**
   * Its peer connection is closing, before the native connection closes. libdatachannel closes
   * a channel that has a stream together with the connection, and closing it from JavaScript
   * as well races with that close on another thread: the native `closed` callback can be lost,
   * and with it the release of the native handle, which then keeps the process alive. A channel
   * without a stream is never closed by libdatachannel, and must be closed before the
   * connection, or its handle stays too. Both measured (see the leak spec).
   *
   * @internal
   */
  closeWithConnection(): void {
    this.#closeRequested = true;
    if (streamId(this.#tryNative(() => this.#native.getId(), 0)) === null) this.#closeNative();
  }

  #closeNative(): void {
    if (this.#nativeClosed) return;
    this.#nativeClosed = true;
    this.#tryNative(() => this.#native.close(), undefined);
  }

  /** A native call that may find the native channel already destroyed (it throws then). */
  #tryNative<T>(call: () => T, fallback: T): T {
    try {
      return call();
    } catch {
      return fallback;
    }
  }

  /** Sends at once (the native channel throws past its message size limit). */
  #sendNow(data: string | Uint8Array): void {
    if (this.readyState !== 'open') return;
    if (typeof data === 'string') this.#native.sendMessage(data);
    else this.#native.sendMessageBinary(data);
  }

  #announceOpen(): void {
    if (this.#openFired || this.#closeRequested) return;
    const state = super.readyState;
    if (state === 'closing' || state === 'closed') return;
    this.#open = true;
    this.#openFired = true;
    this.dispatchEvent(new Event('open'));
  }
}

/**
 * A native stream id, or null for none: node-datachannel reports "none" as -1 converted to an
 * unsigned 16-bit number, 65535, which is not a valid SCTP stream id.
 */
function streamId(id: number): number | null {
  return id >= 0 && id < 65535 ? id : null;
}

function isBlob(data: unknown): data is Blob {
  return typeof Blob !== 'undefined' && data instanceof Blob;
}

/** The bytes of a buffer or view, without copying. */
function viewBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** A copy of the bytes, for a send that happens later (the app may reuse its buffer). */
function copyBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return viewBytes(data).slice();
}
