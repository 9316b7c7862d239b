/** A pool event type that has an assignable `on…` handler (3.x). */
export type PoolEventType = 'join' | 'peer' | 'close' | 'stop' | 'describe';
const POOL_EVENT_TYPES: readonly PoolEventType[] = ['join', 'peer', 'close', 'stop', 'describe'];

/** An assignable `on…` handler of {@link PoolEvents}; null removes it. */
export type PoolEventHandler = ((event: CustomEvent) => void) | null;
type Handler = PoolEventHandler;

/**
 * The pool's EventTarget (3.x `pool.events`): `join`, `peer`, `close`, `stop`, `describe`, and
 * each connection's `track` and `datachannel` re-dispatched with a `connection` property. Each
 * of the first five also has an assignable handler, as in 3.x: `pool.events.onpeer = (e) => …`.
 */
export class PoolEvents extends EventTarget {
  readonly #handlers = new Map<PoolEventType, EventListener>();

  /** Handler of `join`; `detail` is the join result. */
  get onjoin(): Handler {
    return this.#handler('join');
  }
  /** Replaces the `join` handler (null removes it). */
  set onjoin(handler: Handler) {
    this.#setHandler('join', handler);
  }
  /** Handler of `peer`; `detail.connection` is the new ManagedConnection. */
  get onpeer(): Handler {
    return this.#handler('peer');
  }
  /** Replaces the `peer` handler (null removes it). */
  set onpeer(handler: Handler) {
    this.#setHandler('peer', handler);
  }
  /** Handler of `close`; `detail` is the ManagedConnection that closed, or null for this endpoint. */
  get onclose(): Handler {
    return this.#handler('close');
  }
  /** Replaces the `close` handler (null removes it). */
  set onclose(handler: Handler) {
    this.#setHandler('close', handler);
  }
  /** Handler of `stop`: the server stopped the pool. */
  get onstop(): Handler {
    return this.#handler('stop');
  }
  /** Replaces the `stop` handler (null removes it). */
  set onstop(handler: Handler) {
    this.#setHandler('stop', handler);
  }
  /** Handler of `describe`; `detail` is `{ connection, description }`. */
  get ondescribe(): Handler {
    return this.#handler('describe');
  }
  /** Replaces the `describe` handler (null removes it). */
  set ondescribe(handler: Handler) {
    this.#setHandler('describe', handler);
  }

  /** Removes every handler and listener the pool's own code holds (on close). */
  clearHandlers(): void {
    for (const type of POOL_EVENT_TYPES) this.#setHandler(type, null);
  }

  #handler(type: PoolEventType): Handler {
    return (this.#handlers.get(type) as Handler | undefined) ?? null;
  }

  #setHandler(type: PoolEventType, handler: Handler): void {
    const previous = this.#handlers.get(type);
    if (previous) this.removeEventListener(type, previous);
    this.#handlers.delete(type);
    if (typeof handler === 'function') {
      this.#handlers.set(type, handler as EventListener);
      this.addEventListener(type, handler as EventListener);
    }
  }
}
