/**
 * An EventTarget that knows which event types anyone ever listened to, so a hot path can skip
 * building and dispatching a `CustomEvent` nobody receives (for signalling, that is every
 * message of a pool whose app does not use the 3.x events: one native dispatch per message,
 * which a mesh setup pays hundreds of times).
 *
 * A type stays "listened" once a listener was added, even after it is removed: tracking
 * removals exactly (`once`, `signal`, the same listener added twice) would cost more than the
 * rare dispatch it could save.
 */
export class ListenedEventTarget extends EventTarget {
  readonly #listened = new Set<string>();

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    this.#listened.add(type);
    super.addEventListener(type, listener, options);
  }

  /** True when a listener was ever added for `type`. */
  protected isListened(type: string): boolean {
    return this.#listened.has(type);
  }
}
