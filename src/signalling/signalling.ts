import { Observable, Subject, Subscription, type Observable as Obs } from 'rxjs';
import { RtcPoolError } from '../errors';
import type { ServerMessage } from './messages';
import { parseServerMessage, sequenceOf } from './parse';
import { ListenedEventTarget } from '../util/listenedEventTarget';
import { RelayAcks } from './relayAcks';
import type { TransceiverEvent, TransportState } from './transceiver';

/**
 * Anything a {@link Signalling} channel can run over: our {@link Transceiver} subclasses, or a
 * 3.x-style custom transceiver (an EventTarget with `send` and `close` that dispatches
 * `CustomEvent(type, { detail: data })`).
 */
export interface TransceiverLike extends EventTarget {
  /** Sends one event. */
  send(type: string, data: object): void;
  /** Closes the transport for good. */
  close(): void;
  /** Every event received (our transceivers have it; 3.x ones may not). */
  readonly events$?: Obs<TransceiverEvent>;
  /** The transport's state (our transceivers have it; 3.x ones may not). */
  readonly state$?: Obs<TransportState>;
}

/** The names 3.x gave the signalling events it re-dispatched on the channel. */
const LEGACY_EVENT_NAMES: { readonly [T in ServerMessage['type']]?: string } = {
  'rtc:joined': 'join',
  'rtc:describe': 'describe',
  'rtc:peer': 'peer',
  'rtc:sdp': 'sdp',
  'rtc:close': 'close',
  'rtc:candidate': 'icecandidate',
  'rtc:stop': 'stop',
};

/**
 * A signalling channel (3.x `signalling.signalling`): it parses every event its transceiver
 * receives exactly once, into a typed {@link ServerMessage} on `messages$` or a typed
 * {@link RtcPoolError} on `errors$`. For 3.x code it also re-dispatches the messages as the
 * events `join`, `peer`, `sdp`, `icecandidate`, `close`, `stop` and `describe`.
 *
 * It speaks our relay acknowledgement extension: it asks for numbering in `rtc:join` and
 * `rtc:resume` (`ack: true`), acknowledges numbered relays, and drops the ones a resume replays
 * that it already had. A server that numbers nothing sees only the extra `ack` field.
 *
 * @example
 * ```ts
 * const signals = new signalling.signalling(new MyTransceiver());
 * signals.messages$.subscribe((message) => console.log(message.type));
 * ```
 */
export class Signalling extends ListenedEventTarget {
  // TypeScript-private, not #private: spec/browser/reliability.spec.ts finds leaks by walking
  // this object's own properties for Subjects and subscriptions still observed
  private readonly messages = new Subject<ServerMessage>();
  private readonly errors = new Subject<RtcPoolError>();
  private readonly subscription = new Subscription();
  readonly #acks = new RelayAcks((seq) => this.#sendAck(seq));
  #open = false;

  /** Every valid ssp v2 message from the server. Hot; completes on `close()`. */
  readonly messages$: Observable<ServerMessage> = this.messages.asObservable();
  /** Every frame that could not be parsed, and transport failures. Hot; completes on `close()`. */
  readonly errors$: Observable<RtcPoolError> = this.errors.asObservable();
  /** The transport's state (`open` for a transceiver that does not report one). */
  readonly state$: Observable<TransportState>;

  /** @param transceiver - the transport to signal over */
  constructor(readonly transceiver: TransceiverLike) {
    super();
    this.state$ = transceiver.state$ ?? new Observable<TransportState>((subscriber) => subscriber.next('open'));
    this.subscription.add(this.state$.subscribe((state) => (this.#open = state === 'open')));
    const events$ = transceiver.events$;
    if (events$) {
      this.subscription.add(events$.subscribe((event) => this.#receive(event.type, event.data)));
    } else {
      // a 3.x transceiver only dispatches: listen to the types we know, plus its errors
      for (const type of [...Object.keys(LEGACY_EVENT_NAMES), 'rtc:error', 'error']) {
        const listener = (event: Event): void => this.#receive(type, (event as CustomEvent).detail);
        transceiver.addEventListener(type, listener);
        this.subscription.add(() => transceiver.removeEventListener(type, listener));
      }
    }
  }

  /**
   * The highest relay number (`seq`) received in the current membership, for `rtc:resume`'s
   * `last`; 0 when the server numbers nothing.
   */
  get lastSeen(): number {
    return this.#acks.lastSeen;
  }

  /** Sends one event through the transceiver; `rtc:join` and `rtc:resume` ask for numbered relays. */
  send(type: string, data: object): void {
    this.transceiver.send(type, type === 'rtc:join' || type === 'rtc:resume' ? { ...data, ack: true } : data);
  }

  /** Closes the transceiver and completes every stream. */
  close(): void {
    this.#acks.stop();
    this.subscription.unsubscribe();
    this.transceiver.close();
    this.messages.complete();
    this.errors.complete();
  }

  #receive(type: string, data: unknown): void {
    if (type === 'error') {
      const detail = (data ?? {}) as { reason?: unknown; message?: unknown };
      const reason = typeof detail.reason === 'string' ? detail.reason : 'bad-frame';
      const message = typeof detail.message === 'string' ? detail.message : 'the transceiver reported an error';
      this.errors.next(new RtcPoolError(reason === 'transport' ? 'transport' : 'protocol', message, { reason }));
      return;
    }
    const seq = sequenceOf(data);
    // a relay replayed after a resume that arrived before the outage
    if (seq !== null && !this.#acks.receive(seq)) return;
    const parsed = parseServerMessage(type, data);
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'message' && parsed.message.type === 'rtc:joined') this.#acks.reset();
    if (parsed.kind === 'invalid') {
      this.errors.next(new RtcPoolError('protocol', parsed.detail, { reason: parsed.reason }));
      return;
    }
    this.messages.next(parsed.message);
    const legacy = LEGACY_EVENT_NAMES[parsed.message.type];
    if (legacy && this.isListened(legacy)) this.dispatchEvent(new CustomEvent(legacy, { detail: parsed.message.data }));
  }

  #sendAck(seq: number): boolean {
    if (!this.#open) return false;
    try {
      this.transceiver.send('rtc:ack', { seq });
      return true;
    } catch {
      // the transport went away under us: the next rtc:resume carries `last` instead
      return false;
    }
  }
}
