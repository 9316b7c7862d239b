/** Our client acknowledges after this many numbered relays… */
export const ACK_EVERY_MESSAGES = 32;
/** …or once this long has passed without one, whichever comes first. */
export const ACK_IDLE_MS = 250;

/**
 * The client half of the relay acknowledgement extension: it notes the number (`seq`) of each
 * relay the server numbered, drops the ones it already had (a replay after a resume), and
 * acknowledges in batches with `rtc:ack { seq }`. Against a server that numbers nothing it never
 * sends anything.
 */
export class RelayAcks {
  #last = 0;
  #acked = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  readonly #sendAck: (seq: number) => boolean;

  /** @param sendAck - sends `rtc:ack { seq }`; false when it could not (the transport is away) */
  constructor(sendAck: (seq: number) => boolean) {
    this.#sendAck = sendAck;
  }

  /** The highest relay number received in this membership; 0 for none. */
  get lastSeen(): number {
    return this.#last;
  }

  /** Notes relay `seq`; false when it was received before (a duplicate to drop). */
  receive(seq: number): boolean {
    if (seq <= this.#last) return false;
    this.#last = seq;
    if (this.#last - this.#acked >= ACK_EVERY_MESSAGES) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), ACK_IDLE_MS);
    return true;
  }

  /** A new membership (`rtc:joined`): the server numbers from 1 again. */
  reset(): void {
    this.stop();
    this.#last = 0;
    this.#acked = 0;
  }

  /** Stops the idle timer (the channel is closing). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flush(): void {
    this.stop();
    // if it cannot go now, the next rtc:resume says how far we got
    if (this.#last > this.#acked && this.#sendAck(this.#last)) this.#acked = this.#last;
  }
}
