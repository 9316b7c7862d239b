import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { ManagedConnection } from '../connection';
import type { PeerChannelData } from '../channel/messageSource';
import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import { loadFeature } from '../util/loadFeature';
import { replayState } from '../util/replayState';
import { inSubscriberZone } from '../zone/inSubscriberZone';
import { runOutsideZone } from '../zone/runOutsideZone';
import type { PoolChannelCore } from './poolChannelCore';
import type { PoolChannelOptions, PoolMessage, PoolSendOptions } from './poolChannelOptions';

/** The code of pool channels, fetched when an app makes its first one (see `loadFeature`). */
const loadCore = /*#__PURE__*/ loadFeature('pool.channel()', () => import('./poolChannelCore'));

/** What a pool channel's core reports to the PoolChannel that the app holds. */
export interface PoolChannelSinks {
  readonly messages: Subject<PoolMessage>;
  readonly peers: BehaviorSubject<readonly PeerId[]>;
  readonly errors: Subject<RtcPoolError>;
}

/**
 * One channel across the whole pool, from `pool.channel(label)`: a {@link PeerChannel} with each
 * current and future peer that asks for the same label (late joiners and rebuilt connections
 * included), so messages of any size arrive whole, in order per sender, with the sender's id.
 *
 * **One slow peer never holds the others back.** Each peer has its own queue. `send()` resolves
 * once the first of its peers has the message in its transport, and the others have it queued:
 * a sender that awaits each send goes at the pace of the fastest peer. A peer whose queue would
 * pass `maxQueuedBytes` is dropped instead of throttling everyone: its channel is closed,
 * `overflow` (with its id) is reported on `errors$`, and it joins the channel afresh (it misses
 * what was sent meanwhile; its `peers$` shows the sender leave and come back).
 *
 * Its code is loaded with the first pool channel, from a chunk of its own: an app that never
 * makes one does not carry it. A 3.x peer is never on a pool channel (it has no `channel()`).
 *
 * Streams are hot: subscribe to `messages$` when you make the channel to miss nothing.
 * Everything completes when it closes (by `close()`, or with the pool).
 *
 * @example
 * ```ts
 * const chat = pool.channel('chat'); // before or after join()
 * chat.messages$.subscribe(({ from, data }) => show(from, data));
 * chat.peers$.subscribe((ids) => (online.textContent = `${ids.length} online`));
 * await chat.send('hello, everyone');
 * await chat.send('psst', { to: [bob] });
 * ```
 */
export class PoolChannel {
  readonly #messages = new Subject<PoolMessage>();
  readonly #peerIds = new BehaviorSubject<readonly PeerId[]>([]);
  readonly #errors = new Subject<RtcPoolError>();
  /** The core once its code is loaded; null if it closed first or the code could not be loaded. */
  readonly #core: Promise<PoolChannelCore | null>;
  #loadError: RtcPoolError | null = null;
  #isClosed = false;

  /** Every message of every peer on the channel, whole and in order per sender. Hot; completes on close. */
  readonly messages$: Observable<PoolMessage> = this.#messages.pipe(inSubscriberZone());
  /** The ids of the peers reachable on the channel now; replays the current list; completes on close. */
  readonly peers$: Observable<readonly PeerId[]> = replayState(this.#peerIds).pipe(inSubscriberZone());
  /**
   * What went wrong without closing the channel: `overflow` for a peer dropped for being too
   * slow, `too-large` and `protocol` from a peer's channel, `load-failed` if its code could not
   * be fetched. Each names its peer where there is one. Hot; completes on close.
   */
  readonly errors$: Observable<RtcPoolError> = this.#errors.pipe(inSubscriberZone());

  readonly #onClose: (channel: PoolChannel) => void;

  /**
   * Made by `pool.channel()`; there is no need to construct one in your code.
   *
   * @param label - the label of every peer's channel
   * @param options - checked by `pool.channel()`
   * @param connections$ - the pool's connections, as they change
   * @param onClose - told once when it closes, for the pool's books
   */
  constructor(
    readonly label: string,
    options: PoolChannelOptions,
    connections$: Observable<readonly ManagedConnection[]>,
    onClose: (channel: PoolChannel) => void,
  ) {
    this.#onClose = onClose;
    const sinks: PoolChannelSinks = { messages: this.#messages, peers: this.#peerIds, errors: this.#errors };
    // its timers, listeners and promise callbacks in the root zone: the app's zone hears the streams
    this.#core = runOutsideZone(() =>
      loadCore().then(
        ({ PoolChannelCore }) => (this.#isClosed ? null : new PoolChannelCore(label, options, connections$, sinks)),
        (error: RtcPoolError) => {
          // closed, so that pool.channel(label) makes a new one that tries to load again
          this.#loadError = error;
          this.#errors.next(error);
          this.close();
          return null;
        },
      ),
    );
  }

  /** The ids of the peers reachable on the channel now (`peers$` follows them). */
  get peers(): readonly PeerId[] {
    return this.#peerIds.value;
  }

  /** True once it is closed. */
  get closed(): boolean {
    return this.#isClosed;
  }

  /**
   * Sends one message of any size to every peer on the channel, or to the ones `options.to`
   * names. Binary data is copied when it goes to more than one peer, so the buffer may be
   * reused once the promise settles.
   *
   * @param data - a string, an ArrayBuffer, a typed array or DataView, or a Blob
   * @param options - `to`: the peers to send to
   * @returns a promise that resolves once one target has the message in its transport and the
   *   others have it queued (at once when no peer is on the channel)
   * @throws (rejects) {@link RtcPoolError} `unknown-peer` if `to` names a peer that is not on
   *   the channel (nothing is sent), `overflow` if every target was dropped for it, `closed` if
   *   the channel closes first or every target's channel closed, `bad-argument` for data of
   *   another type or a `to` that is not an array of ids, `load-failed` if its code could not
   *   be fetched
   */
  send(data: PeerChannelData, options: PoolSendOptions = {}): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.#closedError());
    return runOutsideZone(() =>
      this.#core.then((core) => {
        if (!core || this.#isClosed) throw this.#loadError ?? this.#closedError();
        return core.send(data, options?.to);
      }),
    );
  }

  /**
   * Closes the channel with every peer (each peer's PoolChannel stays open, and shows this peer
   * leave it); `messages$`, `peers$` and `errors$` complete. Calling it again does nothing.
   */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    void this.#core.then((core) => core?.close());
    for (const subject of [this.#messages, this.#peerIds, this.#errors]) subject.complete();
    this.#onClose(this);
  }

  #closedError(): RtcPoolError {
    return new RtcPoolError('closed', `pool channel '${this.label}' is closed`);
  }
}
