/**
 * The wire format of {@link PeerChannel}s, `rtcpool-chunks/1`. Every frame is one SCTP message
 * of an ordered, reliable data channel whose `protocol` is {@link CHUNK_PROTOCOL}.
 *
 * - A string message whose UTF-8 form fits one frame goes as one data channel *string*
 *   message, unchanged (no header: small strings cost what they cost on a raw channel).
 * - Every binary frame starts with a one-byte type:
 *   - `0x00 WHOLE` + payload: a whole binary message.
 *   - `0x01 START` + kind (u8: 0 binary, 1 UTF-8 string) + total length in bytes (u32 high,
 *     u32 low, big-endian) + the first bytes of the payload: a message in several frames.
 *   - `0x02 MORE` + payload: the next bytes of the message a START began. The message is whole
 *     when the bytes of START and its MOREs add up to the total length.
 *   - `0x03 ABORT`: the sender gave the message it began up; the receiver drops what it has.
 *   - `0x04 READY`: the handshake, first on the channel: the side that picked the channel up
 *     sends it when its app asks for the label; the side that made the channel answers with
 *     READY. Each side's end is up when it has sent and received READY (see `channelRegistry.ts`).
 * - Anything else is a protocol error: the receiver reports it and drops the partial message.
 *
 * @module
 */

import { CHUNK_PROTOCOL } from './chunkProtocol';

export { CHUNK_PROTOCOL };

/** The frame types of `rtcpool-chunks/1`. */
export const FrameType = { whole: 0x00, start: 0x01, more: 0x02, abort: 0x03, ready: 0x04 } as const;

/** Bytes of a START header: type, kind, length. */
export const START_HEADER_BYTES = 10;
/** Bytes of a WHOLE or MORE header. */
export const SHORT_HEADER_BYTES = 1;

/** A decoded frame. Payloads are views into the received buffer (no copy). */
export type Frame =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'whole'; readonly payload: Uint8Array }
  | { readonly type: 'start'; readonly kind: 'binary' | 'string'; readonly total: number; readonly payload: Uint8Array }
  | { readonly type: 'more'; readonly payload: Uint8Array }
  | { readonly type: 'abort' }
  | { readonly type: 'ready' }
  | { readonly type: 'invalid'; readonly why: string };

// literal numbers, not `2 ** 32`: a minifier keeps an unused arithmetic initializer
const TWO_TO_32 = 4_294_967_296;

/** Reads one received data channel message (a string or an ArrayBuffer). */
export function decodeFrame(data: string | ArrayBuffer): Frame {
  if (typeof data === 'string') return { type: 'text', text: data };
  const bytes = new Uint8Array(data);
  if (bytes.length === 0) return { type: 'invalid', why: 'empty frame' };
  switch (bytes[0]) {
    case FrameType.whole:
      return { type: 'whole', payload: bytes.subarray(SHORT_HEADER_BYTES) };
    case FrameType.more:
      return { type: 'more', payload: bytes.subarray(SHORT_HEADER_BYTES) };
    case FrameType.start: {
      if (bytes.length < START_HEADER_BYTES) return { type: 'invalid', why: 'short START header' };
      const view = new DataView(data);
      const kind = view.getUint8(1);
      if (kind > 1) return { type: 'invalid', why: `unknown kind ${kind}` };
      const total = view.getUint32(2) * TWO_TO_32 + view.getUint32(6);
      if (!Number.isSafeInteger(total)) return { type: 'invalid', why: 'length out of range' };
      return { type: 'start', kind: kind === 1 ? 'string' : 'binary', total, payload: bytes.subarray(START_HEADER_BYTES) };
    }
    case FrameType.abort:
      return bytes.length === 1 ? { type: 'abort' } : { type: 'invalid', why: 'ABORT with a payload' };
    case FrameType.ready:
      return bytes.length === 1 ? { type: 'ready' } : { type: 'invalid', why: 'READY with a payload' };
    default:
      return { type: 'invalid', why: `unknown frame type ${bytes[0]}` };
  }
}

/** A WHOLE frame: the header and a copy of `payload`, in `scratch` if given (see {@link moreFrame}). */
export function wholeFrame(payload: Uint8Array, scratch?: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const frame = scratch ? scratch.subarray(0, SHORT_HEADER_BYTES + payload.length) : new Uint8Array(SHORT_HEADER_BYTES + payload.length);
  frame[0] = FrameType.whole;
  frame.set(payload, SHORT_HEADER_BYTES);
  return frame;
}

/** A START frame: kind, total length and the first bytes. */
export function startFrame(kind: 'binary' | 'string', total: number, payload: Uint8Array, scratch?: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  // in the sender's reusable buffer when it gives one, as a MORE frame is (see moreFrame)
  const frame = scratch ? scratch.subarray(0, START_HEADER_BYTES + payload.length) : new Uint8Array(START_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  view.setUint8(0, FrameType.start);
  view.setUint8(1, kind === 'string' ? 1 : 0);
  view.setUint32(2, Math.floor(total / TWO_TO_32));
  view.setUint32(6, total % TWO_TO_32);
  frame.set(payload, START_HEADER_BYTES);
  return frame;
}

/**
 * A MORE frame written into `scratch` (a buffer the sender reuses: `RTCDataChannel.send()` copies
 * what it is given before it returns, and one allocation per chunk is what slows big sends).
 */
export function moreFrame(payload: Uint8Array, scratch: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const frame = scratch.subarray(0, SHORT_HEADER_BYTES + payload.length);
  frame[0] = FrameType.more;
  frame.set(payload, SHORT_HEADER_BYTES);
  return frame;
}

/** The one-byte ABORT frame. */
export const abortFrame = (): Uint8Array<ArrayBuffer> => Uint8Array.of(FrameType.abort);
/** The one-byte READY frame. */
export const readyFrame = (): Uint8Array<ArrayBuffer> => Uint8Array.of(FrameType.ready);
