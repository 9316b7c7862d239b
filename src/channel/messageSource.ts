import { RtcPoolError } from '../errors';
import { BLOB_READ_BYTES } from './peerChannelOptions';

/**
 * What `PeerChannel.send()` takes: a string, binary data, or a Blob (read in slices).
 *
 * @example
 * ```ts
 * const data: PeerChannelData = fileInput.files![0]!; // a File is a Blob
 * await channel.send(data);
 * ```
 */
export type PeerChannelData = string | ArrayBuffer | ArrayBufferView | Blob;

export { BLOB_READ_BYTES };

/** The bytes of one message, handed out a piece at a time so that a big one is never copied whole. */
export interface MessageSource {
  /** What the receiver gets back: a string or an ArrayBuffer. */
  readonly kind: 'binary' | 'string';
  /** The message's length in bytes. */
  readonly total: number;
  /** The next at most `max` bytes; an empty array once all are given. Synchronous where it can be. */
  next(max: number): Uint8Array | Promise<Uint8Array>;
  /** Lets go of anything read ahead. */
  release(): void;
}

const encoder = /*#__PURE__*/ new TextEncoder();

/** A source over bytes already in memory: hands out views, copies nothing. */
class BytesSource implements MessageSource {
  #offset = 0;
  readonly total: number;
  readonly #bytes: Uint8Array;

  constructor(
    readonly kind: 'binary' | 'string',
    bytes: Uint8Array,
  ) {
    this.#bytes = bytes;
    this.total = bytes.length;
  }
  next(max: number): Uint8Array {
    const piece = this.#bytes.subarray(this.#offset, this.#offset + max);
    this.#offset += piece.length;
    return piece;
  }
  release(): void {}
}

/**
 * A source over a Blob: reads `readBytes` at a time with `Blob.slice().arrayBuffer()`, the next
 * slice while the current one is sent, and never the whole Blob.
 */
class BlobSource implements MessageSource {
  readonly kind = 'binary' as const;
  readonly total: number;
  #readPosition = 0;
  #current: Uint8Array = new Uint8Array(0);
  #ahead: Promise<Uint8Array> | null = null;
  readonly #blob: Blob;
  readonly #readBytes: number;

  constructor(
    blob: Blob,
    readBytes: number,
  ) {
    this.#blob = blob;
    this.#readBytes = readBytes;
    this.total = blob.size;
    this.#ahead = this.#read();
  }
  next(max: number): Uint8Array | Promise<Uint8Array> {
    if (this.#current.length > 0) return this.#take(max);
    if (!this.#ahead) return this.#current;
    return this.#ahead.then((slice) => {
      this.#current = slice;
      this.#ahead = this.#read();
      return this.#take(max);
    });
  }
  release(): void {
    this.#ahead?.catch(() => undefined);
    this.#ahead = null;
    this.#current = new Uint8Array(0);
  }
  #take(max: number): Uint8Array {
    const piece = this.#current.subarray(0, max);
    this.#current = this.#current.subarray(piece.length);
    return piece;
  }
  #read(): Promise<Uint8Array> | null {
    if (this.#readPosition >= this.total) return null;
    const end = Math.min(this.total, this.#readPosition + this.#readBytes);
    const slice = this.#blob.slice(this.#readPosition, end);
    this.#readPosition = end;
    return slice.arrayBuffer().then(
      (buffer) => new Uint8Array(buffer),
      (error: unknown) => {
        throw new RtcPoolError('bad-argument', `cannot read the Blob: ${String(error)}`, { cause: error });
      },
    );
  }
}

/** Whether `send()` takes `data`. */
export function isPeerChannelData(data: unknown): data is PeerChannelData {
  return typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data) || (typeof Blob !== 'undefined' && data instanceof Blob);
}

/** The source of a message; throws `bad-argument` for anything `send()` does not take. */
export function messageSource(data: PeerChannelData, readBytes = BLOB_READ_BYTES): MessageSource {
  if (typeof data === 'string') return new BytesSource('string', encoder.encode(data));
  if (data instanceof ArrayBuffer) return new BytesSource('binary', new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return new BytesSource('binary', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new BlobSource(data, readBytes);
  throw new RtcPoolError('bad-argument', 'send() takes a string, an ArrayBuffer, a typed array, a DataView or a Blob');
}
