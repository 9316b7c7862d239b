import type { Frame } from './framing';

/** What a {@link Reassembler} makes of one frame. */
export type ReassemblyEvent =
  | { readonly type: 'message'; readonly data: string | ArrayBuffer }
  | { readonly type: 'progress'; readonly bytes: number; readonly total: number }
  | { readonly type: 'too-large'; readonly total: number }
  | { readonly type: 'invalid'; readonly why: string }
  | { readonly type: 'ready' };

const decoder = /*#__PURE__*/ new TextDecoder();

/**
 * Puts messages back together from `rtcpool-chunks/1` frames (see `framing.ts`). One message is
 * in progress at a time: the channel is ordered and the sender never interleaves messages. A
 * message over `limit` bytes is refused at its START and its MOREs are counted and dropped, so
 * the receiver never holds it and the frames after it are read normally.
 */
export class Reassembler {
  /** The message being put together: its buffer (null while one is dropped), kind and counts. */
  #current: { buffer: Uint8Array | null; kind: 'binary' | 'string'; received: number; total: number } | null = null;

  readonly #limit: number;

  /** @param limit - the largest message accepted, in bytes */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** True while a message has begun and not ended. */
  get busy(): boolean {
    return this.#current !== null;
  }

  /** Reads one frame; returns what happened, in order (nothing for a MORE that neither completes nor reports). */
  accept(frame: Frame, progress: boolean): ReassemblyEvent[] {
    switch (frame.type) {
      case 'text':
        return this.#whole(frame.text, frame.text.length);
      case 'whole':
        return this.#whole(frame.payload.slice().buffer, frame.payload.length);
      case 'start': {
        const interrupted = this.#interrupted('START');
        if (frame.total > this.#limit) {
          this.#current = { buffer: null, kind: frame.kind, received: 0, total: frame.total };
          return [...interrupted, { type: 'too-large', total: frame.total }, ...this.#add(frame.payload, false)];
        }
        this.#current = { buffer: new Uint8Array(frame.total), kind: frame.kind, received: 0, total: frame.total };
        return [...interrupted, ...this.#add(frame.payload, progress)];
      }
      case 'more':
        if (!this.#current) return [{ type: 'invalid', why: 'MORE without a START' }];
        return this.#add(frame.payload, progress);
      case 'abort':
        this.#current = null;
        return [];
      case 'ready':
        return [{ type: 'ready' }];
      case 'invalid':
        this.#current = null;
        return [{ type: 'invalid', why: frame.why }];
    }
  }

  /** Drops the message in progress (the channel closed). */
  reset(): void {
    this.#current = null;
  }

  #whole(data: string | ArrayBuffer, size: number): ReassemblyEvent[] {
    const interrupted = this.#interrupted('a whole message');
    // a string frame's UTF-16 length is at most its byte length: refuse only what is surely over
    if (size > this.#limit) return [...interrupted, { type: 'too-large', total: size }];
    return [...interrupted, { type: 'message', data }];
  }

  /** A frame that starts a message while another is unfinished: the sender broke the protocol. */
  #interrupted(what: string): ReassemblyEvent[] {
    if (!this.#current) return [];
    this.#current = null;
    return [{ type: 'invalid', why: `${what} inside an unfinished message` }];
  }

  #add(payload: Uint8Array, progress: boolean): ReassemblyEvent[] {
    const current = this.#current!;
    if (current.received + payload.length > current.total) {
      this.#current = null;
      return [{ type: 'invalid', why: 'more bytes than the START announced' }];
    }
    current.buffer?.set(payload, current.received);
    current.received += payload.length;
    if (current.received < current.total) {
      return progress && current.buffer ? [{ type: 'progress', bytes: current.received, total: current.total }] : [];
    }
    this.#current = null;
    if (!current.buffer) return [];
    const data = current.kind === 'string' ? decoder.decode(current.buffer) : (current.buffer.buffer as ArrayBuffer);
    return progress
      ? [{ type: 'progress', bytes: current.total, total: current.total }, { type: 'message', data }]
      : [{ type: 'message', data }];
  }
}
