import type { ServerMessage } from '../signalling/messages';

/**
 * Replies about a member's own socket: never numbered, never replayed. `rtc:ice-servers` answers
 * the member's own request, and `rtc:resumed` carries fresh ICE servers anyway.
 */
const UNNUMBERED: ReadonlySet<ServerMessage['type']> = new Set(['rtc:joined', 'rtc:resumed', 'rtc:error', 'rtc:ice-servers']);

/** Whether a message is numbered (and kept until acknowledged) for a member that acknowledges. */
export function isNumbered(message: ServerMessage): boolean {
  return !UNNUMBERED.has(message.type);
}

/**
 * Encodes one server message as a frame; a `seq` above 0 goes first in its data (the relay
 * acknowledgement extension). Types are our own constants, so they need no escaping.
 */
export function encodeServerFrame(message: ServerMessage, seq = 0): string {
  const data = JSON.stringify(message.data);
  if (seq === 0) return `{"type":"${message.type}","data":${data}}`;
  return `{"type":"${message.type}","data":{"seq":${seq}${data === '{}' ? '' : ','}${data.slice(1)}}`;
}

/**
 * What the server keeps for one member between its socket and its pool: the relay numbering and
 * the hold buffer. A member that acknowledges (`ack: true` in `rtc:join` or `rtc:resume`) gets
 * numbered frames, each kept until `rtc:ack` covers it; for one that does not, frames are kept
 * only while it is away. On resume, what the member did not see is sent again.
 *
 * It holds frames, not sockets, so a shared store (a cluster's) can stand in for it. The bytes it
 * holds are counted; the limit is its owner's to enforce.
 */
export class Outbox {
  /** Bytes of the frames kept. */
  bytes = 0;
  #nextSeq: number;
  readonly #frames: string[] = [];
  readonly #seqs: number[] = [];
  readonly #sizes: number[] = [];

  /**
   * @param numbered - the member acknowledges: frames are numbered, and kept until acknowledged
   * @param lastSeq - the number to continue after (what a readmitted member last saw)
   */
  constructor(
    readonly numbered: boolean,
    lastSeq = 0,
  ) {
    this.#nextSeq = lastSeq + 1;
  }

  /** The number of the last frame made; 0 before the first. */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Frames kept. */
  get size(): number {
    return this.#frames.length;
  }

  /**
   * The frame of one message for this member. Numbered messages are kept until acknowledged;
   * when `away`, every message is kept, to go out on {@link Outbox.replay}.
   *
   * @param given - the message's number when someone else gives them (a cluster's Redis); 0: the
   *   outbox numbers it
   */
  frame(message: ServerMessage, away: boolean, given = 0): string {
    const numbered = this.numbered && isNumbered(message);
    const seq = numbered ? (given > 0 ? given : this.#nextSeq) : 0;
    if (numbered) this.continueAfter(seq);
    const frame = encodeServerFrame(message, seq);
    if (numbered || away) {
      const size = Buffer.byteLength(frame);
      this.#frames.push(frame);
      this.#seqs.push(seq);
      this.#sizes.push(size);
      this.bytes += size;
    }
    return frame;
  }

  /** The member saw every numbered frame up to `seq`: they are no longer kept. */
  acknowledge(seq: number): void {
    let count = 0;
    while (count < this.#seqs.length && this.#seqs[count]! > 0 && this.#seqs[count]! <= seq) {
      this.bytes -= this.#sizes[count]!;
      count += 1;
    }
    if (count === 0) return;
    this.#frames.splice(0, count);
    this.#seqs.splice(0, count);
    this.#sizes.splice(0, count);
  }

  /**
   * What the member has not seen, as `[seq, frame]` (seq 0 for a frame kept only while it was
   * away): for handing the member over to another node, which keeps them as {@link Outbox.adopt}s.
   */
  unseen(last: number): [number, string][] {
    const entries: [number, string][] = [];
    for (let i = 0; i < this.#frames.length; i += 1) if (this.#seqs[i] === 0 || this.#seqs[i]! > last) entries.push([this.#seqs[i]!, this.#frames[i]!]);
    return entries;
  }

  /**
   * Keeps frames another node made for this member (its hand-over): numbered ones until
   * acknowledged, like this outbox's own. Numbering goes on after the highest of them.
   */
  adopt(entries: readonly (readonly [number, string])[]): void {
    for (const [seq, frame] of entries) {
      if (seq === 0 || !this.numbered) continue;
      const size = Buffer.byteLength(frame);
      this.#frames.push(frame);
      this.#seqs.push(seq);
      this.#sizes.push(size);
      this.bytes += size;
      this.continueAfter(seq);
    }
  }

  /** Numbering goes on after `seq` (another node numbered up to it), if that is further on. */
  continueAfter(seq: number): void {
    if (seq >= this.#nextSeq) this.#nextSeq = seq + 1;
  }

  /**
   * What goes out again to a member back on a socket that saw numbered frames up to `last`: the
   * numbered frames after it (still kept until acknowledged) and every unnumbered one kept while
   * it was away (no longer kept).
   */
  replay(last: number): string[] {
    this.acknowledge(last);
    const replayed: string[] = [];
    for (let i = 0; i < this.#frames.length; i += 1) {
      if (this.#seqs[i]! > 0 && this.#seqs[i]! <= last) continue;
      replayed.push(this.#frames[i]!);
    }
    for (let i = this.#frames.length - 1; i >= 0; i -= 1) {
      if (this.#seqs[i] !== 0) continue;
      this.bytes -= this.#sizes[i]!;
      this.#frames.splice(i, 1);
      this.#seqs.splice(i, 1);
      this.#sizes.splice(i, 1);
    }
    return replayed;
  }
}
