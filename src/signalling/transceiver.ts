import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { ListenedEventTarget } from '../util/listenedEventTarget';
import { replayState } from '../util/replayState';
import { decodeFrame } from './parse';

/** One event a transceiver received: its type and data, not yet validated. */
export interface TransceiverEvent {
  /** The event's type. */
  readonly type: string;
  /** The event's data, as received. */
  readonly data: unknown;
}

/**
 * Where a transport is: connecting for the first time, open, reconnecting after it dropped,
 * or closed for good.
 */
export type TransportState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Base class of signalling transports (the 3.x `signalling.transceiver` extension point).
 *
 * A subclass implements `send(type, data)` and `close()`, and dispatches every event it receives
 * as `new CustomEvent(type, { detail: data })`; a frame it cannot decode becomes an `error`
 * event with `detail: { reason, message }`, never a throw. Every dispatched CustomEvent also
 * appears on {@link Transceiver.events$}.
 *
 * @example
 * ```ts
 * class PostMessageTransceiver extends signalling.transceiver {
 *   constructor(private readonly port: MessagePort) {
 *     super();
 *     port.onmessage = ({ data }) => this.dispatchEvent(new CustomEvent(data.type, { detail: data.data }));
 *   }
 *   send(type: string, data: object): void { this.port.postMessage({ type, data }); }
 *   close(): void { this.port.close(); this.closed(); }
 * }
 * ```
 */
export abstract class Transceiver extends ListenedEventTarget {
  // TypeScript-private, not #private: spec/browser/reliability.spec.ts finds leaks by walking
  // this object's own properties for Subjects and subscriptions still observed
  private readonly received = new Subject<TransceiverEvent>();
  private readonly transportState: BehaviorSubject<TransportState>;

  /** Every event this transceiver dispatches, as `{ type, data }`. Hot. */
  readonly events$: Observable<TransceiverEvent> = this.received.asObservable();
  /** The transport's state; replays the current one, completes after `closed`. */
  readonly state$: Observable<TransportState>;

  /** @param initialState - where the transport is when constructed; `open` unless it must connect first */
  constructor(initialState: TransportState = 'open') {
    super();
    this.transportState = new BehaviorSubject<TransportState>(initialState);
    this.state$ = replayState(this.transportState);
  }

  /** The transport's current state. */
  get state(): TransportState {
    return this.transportState.value;
  }

  override dispatchEvent(event: Event): boolean {
    if (event instanceof CustomEvent) this.#emitReceived(event.type, event.detail);
    return super.dispatchEvent(event);
  }

  /** Sends one event. */
  abstract send(type: string, data: object): void;

  /** Closes the transport for good. */
  abstract close(): void;

  /**
   * For transports that carry ssp v2 as JSON text frames (`{"type", "data"}`): decodes one frame
   * and dispatches it as its event, or as an `error` event with a `reason` when it cannot be
   * decoded. Never throws.
   */
  protected receiveFrame(frame: unknown): void {
    const decoded = decodeFrame(frame);
    if (decoded.kind === 'invalid') {
      this.dispatchEvent(new CustomEvent('error', { detail: { reason: decoded.reason, message: decoded.detail } }));
      return;
    }
    // the same as dispatching it, without a CustomEvent when no listener would see one
    this.#emitReceived(decoded.type, decoded.data);
    if (this.isListened(decoded.type)) super.dispatchEvent(new CustomEvent(decoded.type, { detail: decoded.data }));
  }

  /** Puts one received event on `events$` (until the transport is closed for good). */
  #emitReceived(type: string, data: unknown): void {
    if (!this.received.closed) this.received.next({ type, data });
  }

  /** Subclasses report their transport's state here. */
  protected setState(state: TransportState): void {
    if (this.transportState.closed || this.transportState.value === state) return;
    this.transportState.next(state);
  }

  /** Subclasses call this once the transport is closed for good: the streams complete. */
  protected closed(): void {
    this.setState('closed');
    this.transportState.complete();
    this.received.complete();
  }
}
