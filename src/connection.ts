import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { ChannelRegistry } from './channel/channelRegistry';
import { CHUNK_PROTOCOL, MAX_HELD_CHANNELS } from './channel/chunkProtocol';
import type { PeerChannel } from './channel/peerChannel';
import type { PeerChannelOptions } from './channel/peerChannelOptions';
import { RtcPoolError } from './errors';
import { loadFeature } from './util/loadFeature';
import { replayState } from './util/replayState';
import { inSubscriberZone } from './zone/inSubscriberZone';
import { runOutsideZone } from './zone/runOutsideZone';
import type { PeerDescription, PeerId } from './signalling/messages';
import type { ConnectionStats } from './stats/connectionStats';
import { lazyStats } from './stats/lazyStats';
import { DEFAULT_STATS_INTERVAL_MS, type StatsOptions } from './stats/statsOptions';

/** An event type a {@link ManagedConnection} exposes; the rest belong to negotiation. */
export type ExposedEventType = 'datachannel' | 'track';
const EXPOSED_EVENTS: readonly ExposedEventType[] = ['datachannel', 'track'];
/** How long `dataChannel()` waits for a channel to open before it rejects with `timeout`. */
export const DEFAULT_DATA_CHANNEL_TIMEOUT_MS = 30_000;

/** Options of `dataChannel()`: those of `createDataChannel()`, plus how long to wait for `open`. */
export interface DataChannelOptions extends RTCDataChannelInit {
  /** Milliseconds to wait for the channel to open. Default: the pool's, else {@link DEFAULT_DATA_CHANNEL_TIMEOUT_MS}. */
  readonly timeout?: number;
}

/** Settings a {@link Pool} passes to the connections it makes. */
export interface ManagedConnectionSettings {
  /** Default `timeout` of `dataChannel()`. */
  readonly dataChannelTimeoutMs?: number;
  /** Default `intervalMs` of `stats$` and `stats()`. */
  readonly statsIntervalMs?: number;
}

/** What the pool, and only the pool, does to a connection. */
interface ConnectionControl {
  /** Closes the peer connection, settles pending channels and completes every stream. */
  close(): void;
  /** Re-reads the description from the shared descriptions object and emits it. */
  described(): void;
}

const controls = /*#__PURE__*/ new WeakMap<ManagedConnection, ConnectionControl>();

/** The code of `channel()`, fetched on its first use by any connection (see `loadFeature`). */
const loadChannelCode = /*#__PURE__*/ loadFeature('channel()', () => import('./channel/channelRegistry'));

/** @internal the pool's handle on a connection it made */
export function connectionControl(connection: ManagedConnection): ConnectionControl {
  return controls.get(connection)!;
}

/**
 * A class wrapping RTCPeerConnection which exposes intuitive, high level methods for
 * interacting with the connection while hiding the ICE layer and negotiation-related aspects,
 * as these are handled entirely internally.
 *
 * This is used internally by {@link Pool} to set up connections; there should be no need to
 * construct one in your code.
 *
 * @example
 * ```ts
 * pool.peerJoined$.subscribe(async (conn) => {
 *   const chat = await conn.dataChannel('chat');
 *   chat.send(`hello ${conn.description?.name ?? conn.id}`);
 * });
 * ```
 */
export class ManagedConnection {
  /** The event types `addEventListener` accepts (3.x). */
  // a getter, not a static field: the field compiles to a `static {}` block, which keeps the
  // class (and the channel code it pulls in) in every bundle that imports anything from rtcpool
  static get EVENTS(): readonly ExposedEventType[] {
    return EXPOSED_EVENTS;
  }

  readonly #id: PeerId;
  readonly #exposed = new Subject<RTCTrackEvent | RTCDataChannelEvent>();
  readonly #connectionState: BehaviorSubject<RTCPeerConnectionState>;
  readonly #descriptionState: BehaviorSubject<PeerDescription>;
  readonly #ended = new Subject<void>();
  // TypeScript-private, not #private, as is `conn`: the channel and media specs read both through a cast
  /** The `channel()` registry, once its code is loaded. */
  private channels: ChannelRegistry | null = null;
  /** The peer's PeerChannels that came before the registry: it takes them when it is made. */
  readonly #early: RTCDataChannel[] = [];
  #isClosed = false;

  /** The exposed events (`track`, `datachannel`) as they happen. Hot; completes on close. */
  readonly events$: Observable<RTCTrackEvent | RTCDataChannelEvent> = this.#exposed.pipe(inSubscriberZone());
  /** The connection state; replays the current one, ends with `closed` and completes. */
  readonly state$: Observable<RTCPeerConnectionState>;
  /** The peer's description; replays the current one, completes on close. */
  readonly description$: Observable<PeerDescription>;
  /**
   * A summary of `getStats()` now and then every `statsIntervalMs` of the pool (default
   * {@link DEFAULT_STATS_INTERVAL_MS}, 1 s) while subscribed: round-trip time, bytes, bitrates
   * and the selected candidate pair's types ({@link ConnectionStats}). The same as `stats()`;
   * one Observable, so a template's `async` pipe keeps its subscription.
   */
  readonly stats$: Observable<ConnectionStats>;

  readonly #desc_ref: { readonly [id: PeerId]: PeerDescription };
  readonly #settings: ManagedConnectionSettings;

  /**
   * Creates a ManagedConnection for the given RTCPeerConnection.
   *
   * @param conn - The RTCPeerConnection to wrap
   * @param id - The unique ID of the connection in the pool
   * @param desc_ref - A reference to the Object containing the connection's description: the
   *   pool's map of peer id to description, read at `desc_ref[id]`
   * @param settings - defaults the pool passes on (not part of the 3.x signature)
   */
  constructor(
    private readonly conn: RTCPeerConnection,
    id: PeerId,
    desc_ref: { readonly [id: PeerId]: PeerDescription } = {},
    settings: ManagedConnectionSettings = {},
  ) {
    this.#desc_ref = desc_ref;
    this.#settings = settings;
    this.#id = id;
    this.#connectionState = new BehaviorSubject(conn.connectionState);
    this.state$ = replayState(this.#connectionState).pipe(inSubscriberZone());
    this.#descriptionState = new BehaviorSubject(this.description);
    this.description$ = replayState(this.#descriptionState).pipe(inSubscriberZone());
    this.stats$ = this.stats();
    conn.addEventListener('track', this.#forward);
    conn.addEventListener('datachannel', this.#forward);
    conn.addEventListener('connectionstatechange', this.#onStateChange);
    controls.set(this, { close: () => this.#close(), described: () => this.#descriptionState.next(this.description) });
  }

  /** The connection state now (`state$` follows it). */
  get state(): RTCPeerConnectionState {
    return this.#connectionState.value;
  }

  /** The ID of the peer. */
  get id(): PeerId {
    return this.#id;
  }

  /**
   * The description of the peer (null when the server gave none).
   *
   * This object should not be modified, as this can produce unpredictable results and goes
   * against the spirit of descriptions.
   */
  get description(): PeerDescription {
    return this.#desc_ref[this.#id] ?? null;
  }

  /**
   * A proxy for adding listeners to the managed peer connection. Only permits exposed event
   * types (`track` and `datachannel`), as many events fired by RTCPeerConnection are purely used
   * for negotiation and detecting negotiation success/failure.
   *
   * @throws {@link RtcPoolError} `bad-event-type` for any other type
   */
  addEventListener(
    evt_type: ExposedEventType,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (!(EXPOSED_EVENTS as readonly string[]).includes(evt_type)) {
      throw new RtcPoolError(
        'bad-event-type',
        `Event type '${String(evt_type)}' is not handled by ManagedConnection; use one of: ${EXPOSED_EVENTS.join(', ')}.`,
      );
    }
    this.conn.addEventListener(evt_type, listener, options);
  }

  /** A proxy for removing listeners from the managed connection. */
  removeEventListener(
    evt_type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void {
    this.conn.removeEventListener(evt_type, listener, options);
  }

  /**
   * A proxy for RTCPeerConnection.addTrack: sends `track` to the peer (renegotiation happens by
   * itself) and returns its RTCRtpSender.
   */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
    return this.conn.addTrack(track, ...streams);
  }

  /** A proxy for RTCPeerConnection.removeTrack: stops sending the sender's track. */
  removeTrack(sender: RTCRtpSender): void {
    this.conn.removeTrack(sender);
  }

  /**
   * Create a data channel with the given label and options.
   *
   * If raw is true, the channel will be returned immediately, without waiting for the channel to
   * open. If raw is false, returns a Promise that resolves to the channel when the channel has
   * opened; it rejects with {@link RtcPoolError} `closed` if the channel or the connection closes
   * first, and `timeout` after `options.timeout` ms (the channel is then closed).
   *
   * @param label - The label of the data channel.
   * @param options - The options to use to create the data channel.
   * @param raw - Whether to return the channel immediately or return a Promise.
   * @returns A promise resolving to the created channel, or the channel itself.
   * @throws {@link RtcPoolError} `bad-argument` for a label that is not a string (and, with
   *   `raw`, `closed` once the connection is closed)
   */
  dataChannel(label: string, options?: DataChannelOptions, raw?: false): Promise<RTCDataChannel>;
  dataChannel(label: string, options: DataChannelOptions | undefined, raw: true): RTCDataChannel;
  dataChannel(label: string, options: DataChannelOptions = {}, raw = false): Promise<RTCDataChannel> | RTCDataChannel {
    if (typeof label !== 'string') throw new RtcPoolError('bad-argument', 'a data channel label is a string');
    const { timeout = this.#settings.dataChannelTimeoutMs ?? DEFAULT_DATA_CHANNEL_TIMEOUT_MS, ...init } = options;
    let channel: RTCDataChannel;
    try {
      if (this.#isClosed) throw new RtcPoolError('closed', `the connection to ${this.#id} is closed`);
      channel = this.conn.createDataChannel(label, init);
    } catch (error) {
      const failure =
        error instanceof RtcPoolError
          ? error
          : new RtcPoolError('bad-argument', `cannot create data channel '${label}': ${String(error)}`, { cause: error, peer: this.#id });
      if (raw) throw failure;
      return Promise.reject(failure);
    }
    if (raw) return channel;
    // its listeners and timer in the root zone: the app's zone hears only the promise settle
    return runOutsideZone(() => this.#whenOpen(channel, timeout));
  }

  /**
   * A message channel to the peer: messages of any size, whole and in order, paced by the
   * transport's buffer, with progress and cancellation (see {@link PeerChannel}). Both peers call
   * it with the same label, in any order, and get the two ends of one channel; it opens when both
   * have asked. Its data channel (`protocol` `rtcpool-chunks/1`) never shows in `datachannel`
   * events or `events$`, and never collides with channels of `dataChannel()` or with rtcpool's
   * control channel: the browser picks its stream id.
   *
   * Calling it again with a label whose channel is pending or open gives the same PeerChannel
   * (the new options are ignored); after that channel closes, it makes a new one.
   *
   * Its code is not in the bundle of an app that never calls it: it is imported on the first
   * call (or when a peer's channel arrives first), from a chunk of its own. If that chunk cannot
   * be fetched, the promise rejects with `load-failed`.
   *
   * @param label - names the channel; both peers use the same one
   * @param options - this side's receive limit, high-water mark, chunk size and timeout
   * @returns a promise of this side's end, once both ends are open
   * @throws (rejects) {@link RtcPoolError} `closed` if the connection closes first, `timeout` if
   *   the peer does not call `channel(label)` within `options.timeout` ms, `bad-argument` for a
   *   label that is not a string or options that are not numbers of the right range,
   *   `load-failed` if the channel code cannot be fetched
   *
   * @example
   * ```ts
   * pool.peerJoined$.subscribe(async (conn) => {
   *   const files = await conn.channel('files');
   *   files.messages$.subscribe((file) => console.log('got', file));
   *   await files.send(fileInput.files![0]!); // a File is a Blob: read in slices, never whole
   * });
   * ```
   */
  channel(label: string, options: PeerChannelOptions = {}): Promise<PeerChannel> {
    if (typeof label !== 'string') return Promise.reject(new RtcPoolError('bad-argument', 'a channel label is a string'));
    return runOutsideZone(() => (this.channels ? this.channels.open(label, options ?? {}) : this.#registry().then((registry) => registry.open(label, options ?? {}))));
  }

  /**
   * The registry, made once its code is loaded: it takes the peer's channels that came first.
   * Made even when the connection closed meanwhile (closed at once), so that `open()` rejects
   * with `closed` and the early channels are closed, as they would have been.
   */
  #registry(): Promise<ChannelRegistry> {
    return loadChannelCode().then(({ ChannelRegistry }) => {
      if (this.channels) return this.channels;
      const registry = new ChannelRegistry(this.conn, this.#id, this.#settings.dataChannelTimeoutMs ?? DEFAULT_DATA_CHANNEL_TIMEOUT_MS);
      this.channels = registry;
      if (this.#isClosed) registry.close();
      for (const channel of this.#early.splice(0)) registry.take(channel);
      return registry;
    });
  }

  /**
   * Samples the connection's `getStats()` at once and then every `intervalMs` while subscribed,
   * and emits a {@link ConnectionStats} each time: is the call going through TURN
   * (`localCandidateType === 'relay'`), how far is the peer (`rttMs`), how much flows (bytes and
   * bits per second). Cold: each subscriber samples on its own (`share()` it for several
   * readers). Completes when the connection closes (at once if it is closed). Errors with an
   * {@link RtcPoolError}: `bad-argument` at subscription for an interval that is not a number of
   * at least {@link MIN_STATS_INTERVAL_MS}, `stats-failed` if `getStats()` fails while the
   * connection is open, `load-failed` if its code cannot be fetched: it loads at the first
   * subscription (a dynamic `import()`), so an app that never asks for stats does not carry it.
   *
   * @param options - `intervalMs`: milliseconds between samples (default: the pool's `statsIntervalMs`, else 1 s)
   *
   * @example
   * ```ts
   * conn.stats({ intervalMs: 5_000 }).subscribe(({ rttMs, receiveBitrate }) => console.log(rttMs, receiveBitrate));
   * ```
   */
  stats(options: StatsOptions = {}): Observable<ConnectionStats> {
    // checked in the lazy chunk, at subscription: Pool and connection.ts stay small
    const intervalMs = options?.intervalMs ?? this.#settings.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS;
    return lazyStats(this.conn, intervalMs, this.#ended, this.#id).pipe(inSubscriberZone());
  }

  /** Resolves when the channel opens; rejects (and closes it) when it closes first, with the connection, or on time-out. */
  #whenOpen(channel: RTCDataChannel, timeoutMs: number): Promise<RTCDataChannel> {
    // plain listeners and one timer: this runs for every channel while a mesh sets up
    return new Promise((resolve, reject) => {
      const settle = (failure: readonly ['closed' | 'timeout', string] | null): void => {
        channel.removeEventListener('open', onOpen);
        channel.removeEventListener('close', onClose);
        channel.removeEventListener('error', onClose);
        clearTimeout(timeout);
        ended.unsubscribe();
        if (!failure) return resolve(channel);
        channel.close();
        reject(new RtcPoolError(failure[0], `data channel '${channel.label}' to ${this.#id} ${failure[1]}`, { peer: this.#id }));
      };
      const onOpen = (): void => settle(null);
      const onClose = (): void => settle(['closed', 'closed before it opened']);
      channel.addEventListener('open', onOpen);
      channel.addEventListener('close', onClose);
      channel.addEventListener('error', onClose);
      const timeout = setTimeout(() => settle(['timeout', `did not open within ${timeoutMs} ms`]), timeoutMs);
      const ended = this.#ended.subscribe(() => settle(['closed', 'was closed with its connection']));
    });
  }

  readonly #forward = (event: Event): void => {
    // channel()'s own channels are not the app's: this listener runs before any the app adds
    const channel = (event as RTCDataChannelEvent).channel;
    if (event.type === 'datachannel' && channel.protocol === CHUNK_PROTOCOL) {
      event.stopImmediatePropagation();
      if (this.channels) this.channels.take(channel);
      else if (this.#early.length >= MAX_HELD_CHANNELS) channel.close();
      else {
        // the peer called channel() first: load the code now, so this side's call finds it
        this.#early.push(channel);
        void this.#registry().catch(() => this.#early.splice(0).forEach((early) => early.close()));
      }
      return;
    }
    this.#exposed.next(event as RTCTrackEvent | RTCDataChannelEvent);
  };

  readonly #onStateChange = (): void => {
    this.#connectionState.next(this.conn.connectionState);
  };

  #close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.conn.removeEventListener('track', this.#forward);
    this.conn.removeEventListener('datachannel', this.#forward);
    this.conn.removeEventListener('connectionstatechange', this.#onStateChange);
    // before the peer connection: pending sends reject with `closed`, not with a transport error
    this.channels?.close();
    this.conn.close();
    // close() fires no connectionstatechange: say it ourselves
    this.#connectionState.next('closed');
    this.#ended.next();
    for (const subject of [this.#exposed, this.#connectionState, this.#descriptionState, this.#ended]) subject.complete();
  }
}
