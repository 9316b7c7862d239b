import { BehaviorSubject, Subject, Subscription, timer, type Observable } from 'rxjs';
import { connectionControl, ManagedConnection, type ManagedConnectionSettings } from './connection';
import { RtcPoolError } from './errors';
import { setRebuildHook } from './negotiation/rebuildHook';
import type { PeerConnectionConstructor } from './poolOptions';
import type { PoolEvents } from './poolEvents';
import type { PeerDescription, PeerId } from './signalling/messages';
import { replayState } from './util/replayState';
import { sameDescription } from './sameDescription';
import { MAX_REBUILDS_PER_PEER, rebuildDelayMs, setupFailure } from './setupFailure';

/**
 * Every connection carries a negotiated data channel of rtcpool's own, on both sides, from the
 * moment it is made. So the older (impolite) peer always has something to offer at once: the
 * mesh connects without waiting for the app, and the newcomer never has to offer first (see
 * `FIRST_OFFER_GRACE_MS`). Negotiated channels fire no `datachannel` event, so apps never see it;
 * its stream id is taken from the top of the default range, out of the way of apps' ids.
 */
export const CONTROL_CHANNEL = {
  /** The channel's label. */
  label: 'rtcpool',
  /** Its SCTP stream id: leave it to rtcpool. */
  id: 1023,
} as const;

/** A peer's new description, as `described$` and the `describe` event report it. */
export interface DescribeEvent {
  /** The connection to the peer described. */
  readonly connection: ManagedConnection;
  /** Its new description. */
  readonly description: PeerDescription;
}

/** An event of one connection, with the connection it came from. */
export interface ConnectionEvent<E extends Event> {
  /** The connection the event came on. */
  readonly connection: ManagedConnection;
  /** The event itself. */
  readonly event: E;
}

/**
 * Wires a new peer connection into the pool (negotiation, error watches) before anyone hears of
 * it; what it returns ends when the connection is removed or replaced.
 */
export type WireConnection = (pc: RTCPeerConnection) => Subscription | void;

/** One peer's connection and what hangs on it. */
interface Entry {
  readonly connection: ManagedConnection;
  readonly pc: RTCPeerConnection;
  readonly wire: WireConnection;
  readonly forwarding: Subscription;
  /** The set-up watch, the rebuild hook and a pending rebuild. */
  readonly setup: Subscription;
  /** Rebuilds of this peer's connection so far. */
  readonly rebuilds: number;
  watch: Subscription | void;
}

/**
 * The peers of a pool: one {@link ManagedConnection} each, their descriptions, and the streams
 * and 3.x events about them. The pool decides when peers come and go; this keeps the books.
 *
 * A connection whose set-up dies (it ends before it ever connected) is rebuilt, up to
 * {@link MAX_REBUILDS_PER_PEER} times per peer with a growing wait ({@link REBUILD_BACKOFF_MS}),
 * and so is one whose peer rebuilt its own (the negotiation epic asks, seeing a new DTLS
 * fingerprint). A rebuild replaces the connection: the old {@link ManagedConnection} leaves
 * (`peerLeft$`, `close`), a new one for the same peer arrives (`peerJoined$`, `peer`), and
 * `connections$` emits once, with the new one in the old one's place.
 */
export class PeerSet {
  readonly #entries = new Map<PeerId, Entry>();
  /** The `desc_ref` every connection reads its description from. */
  readonly #descriptions: { [id: PeerId]: PeerDescription } = {};
  readonly #list = new BehaviorSubject<ManagedConnection[]>([]);
  readonly #arrivals = new Subject<ManagedConnection>();
  readonly #departures = new Subject<ManagedConnection>();
  readonly #descriptionEvents = new Subject<DescribeEvent>();
  readonly #trackEvents = new Subject<ConnectionEvent<RTCTrackEvent>>();
  readonly #channelEvents = new Subject<ConnectionEvent<RTCDataChannelEvent>>();
  readonly #failures = new Subject<RtcPoolError>();

  readonly connections$: Observable<ManagedConnection[]> = replayState(this.#list);
  readonly arrivals$: Observable<ManagedConnection> = this.#arrivals.asObservable();
  readonly departures$: Observable<ManagedConnection> = this.#departures.asObservable();
  readonly described$: Observable<DescribeEvent> = this.#descriptionEvents.asObservable();
  readonly tracks$: Observable<ConnectionEvent<RTCTrackEvent>> = this.#trackEvents.asObservable();
  readonly dataChannels$: Observable<ConnectionEvent<RTCDataChannelEvent>> = this.#channelEvents.asObservable();
  /**
   * `connection-failed` for a connection closed by its stack during set-up once its rebuilds are
   * used up, and `negotiation-failed` when a rebuild cannot make a connection. (One that ends
   * `failed` is reported by the pool's own watch of the connection.)
   */
  readonly failures$: Observable<RtcPoolError> = this.#failures.asObservable();

  #configuration: RTCConfiguration;
  readonly #events: PoolEvents;
  readonly #settings: ManagedConnectionSettings;
  readonly #PeerConnection: PeerConnectionConstructor;

  /**
   * @param configuration - of every peer connection made from now on (see {@link reconfigure})
   * @param PeerConnection - the `RTCPeerConnection` class to make them with
   */
  constructor(
    configuration: RTCConfiguration,
    events: PoolEvents,
    settings: ManagedConnectionSettings,
    PeerConnection: PeerConnectionConstructor,
  ) {
    this.#configuration = configuration;
    this.#events = events;
    this.#settings = settings;
    this.#PeerConnection = PeerConnection;
  }

  /** Every connection, in the order the peers arrived. */
  get connections(): ManagedConnection[] {
    return this.#list.value;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: PeerId): ManagedConnection | null {
    return this.#entries.get(id)?.connection ?? null;
  }

  has(id: PeerId): boolean {
    return this.#entries.has(id);
  }

  ids(): PeerId[] {
    return [...this.#entries.keys()];
  }

  /**
   * Makes the connection to a new peer. `wire` runs before anyone hears of it, so negotiation
   * listens to the peer connection before the app can touch it and no negotiationneeded is missed;
   * a subscription it returns ends when the peer is removed. It runs again for each rebuilt
   * connection of the peer. `pc` is a connection made already (a standing offer the peer took);
   * by default a new one.
   */
  add(id: PeerId, description: PeerDescription, wire: WireConnection, pc: RTCPeerConnection = this.make()): void {
    this.#descriptions[id] = description;
    const { connection } = this.#attach(id, pc, wire, 0);
    this.#list.next([...this.#list.value, connection]);
    this.#arrivals.next(connection);
    this.#events.dispatchEvent(new CustomEvent('peer', { detail: { connection } }));
  }

  /** Closes the connection to a peer; `announce` tells the app (`peerLeft$`, the `close` event). */
  remove(id: PeerId, announce: boolean): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#release(entry);
    delete this.#descriptions[id];
    this.#list.next(this.#list.value.filter((connection) => connection !== entry.connection));
    if (!announce) return;
    this.#departures.next(entry.connection);
    this.#events.dispatchEvent(new CustomEvent('close', { detail: entry.connection }));
  }

  /**
   * Sets a peer's description and tells the app; false for a peer it does not know.
   * `described$` and the `describe` event report every description the server sends, as 3.x
   * did; `connections$` emits a new list (the same connections) only when the description
   * changed, so a roster rendered from it shows the new one and nothing else re-renders.
   */
  describe(id: PeerId, description: PeerDescription): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    const changed = !sameDescription(this.#descriptions[id] ?? null, description);
    this.#descriptions[id] = description;
    connectionControl(entry.connection).described();
    if (changed) this.#list.next([...this.#list.value]);
    const event: DescribeEvent = { connection: entry.connection, description };
    this.#descriptionEvents.next(event);
    this.#events.dispatchEvent(new CustomEvent('describe', { detail: event }));
    return true;
  }

  /**
   * Gives every connection, and every one made from now on, a new configuration (fresh ICE
   * servers). Returns the errors of the connections that refused it; the others have it.
   */
  reconfigure(configuration: RTCConfiguration): Array<{ readonly id: PeerId; readonly error: unknown }> {
    this.#configuration = configuration;
    const refused: Array<{ readonly id: PeerId; readonly error: unknown }> = [];
    for (const [id, { pc }] of this.#entries) {
      try {
        pc.setConfiguration(configuration);
      } catch (error) {
        refused.push({ id, error });
      }
    }
    return refused;
  }

  /** Closes every connection quietly and completes every stream. */
  close(): void {
    for (const id of this.ids()) this.remove(id, false);
    for (const subject of [this.#list, this.#arrivals, this.#departures, this.#descriptionEvents, this.#trackEvents, this.#channelEvents, this.#failures]) {
      subject.complete();
    }
  }

  /** A new peer connection with rtcpool's control channel, in the current configuration. */
  make(): RTCPeerConnection {
    const pc = new this.#PeerConnection(this.#configuration);
    try {
      pc.createDataChannel(CONTROL_CHANNEL.label, { negotiated: true, id: CONTROL_CHANNEL.id });
    } catch (error) {
      pc.close();
      throw error;
    }
    return pc;
  }

  /** Wraps a peer connection, watches its set-up, and wires it: the peer's entry from now on. */
  #attach(id: PeerId, pc: RTCPeerConnection, wire: WireConnection, rebuilds: number): Entry {
    const connection = new ManagedConnection(pc, id, this.#descriptions, this.#settings);
    const entry: Entry = {
      connection,
      pc,
      wire,
      forwarding: connection.events$.subscribe((event) => this.#forward(connection, event)),
      setup: new Subscription(),
      rebuilds,
      watch: undefined,
    };
    // before wire: this listener runs first, and drops the pool's watch of a connection it will
    // rebuild before that watch reports the failure to the app
    entry.setup.add(setupFailure(pc).subscribe((state) => this.#onSetupFailure(id, entry, state)));
    setRebuildHook(pc, () => this.#followPeer(id, entry));
    entry.setup.add(() => setRebuildHook(pc, null));
    this.#entries.set(id, entry);
    entry.watch = wire(pc);
    return entry;
  }

  #release(entry: Entry): void {
    entry.setup.unsubscribe();
    entry.forwarding.unsubscribe();
    entry.watch?.unsubscribe();
    connectionControl(entry.connection).close();
  }

  /** The connection died before it connected: rebuild it after a wait, or give the peer up. */
  #onSetupFailure(id: PeerId, entry: Entry, state: RTCPeerConnectionState): void {
    if (this.#entries.get(id) !== entry) return;
    if (entry.rebuilds >= MAX_REBUILDS_PER_PEER) {
      if (state === 'closed') {
        this.#failures.next(new RtcPoolError('connection-failed', `the connection to ${id} closed before it connected`, { peer: id }));
      }
      return;
    }
    entry.watch?.unsubscribe();
    entry.watch = undefined;
    entry.setup.add(timer(rebuildDelayMs(entry.rebuilds)).subscribe(() => this.#rebuild(id, entry)));
  }

  /** The peer rebuilt its connection (a new fingerprint): rebuild ours at once, if rebuilds are left. */
  #followPeer(id: PeerId, entry: Entry): boolean {
    if (this.#entries.get(id) !== entry || entry.rebuilds >= MAX_REBUILDS_PER_PEER) return false;
    return this.#rebuild(id, entry);
  }

  /** Replaces a peer's connection with a new one (current configuration, same wiring). */
  #rebuild(id: PeerId, old: Entry): boolean {
    let pc: RTCPeerConnection;
    try {
      pc = this.make();
    } catch (error) {
      this.#failures.next(new RtcPoolError('negotiation-failed', `could not rebuild the connection to ${id}: ${String(error)}`, { cause: error, peer: id }));
      return false;
    }
    this.#release(old);
    const { connection } = this.#attach(id, pc, old.wire, old.rebuilds + 1);
    this.#list.next(this.#list.value.map((each) => (each === old.connection ? connection : each)));
    this.#departures.next(old.connection);
    this.#events.dispatchEvent(new CustomEvent('close', { detail: old.connection }));
    this.#arrivals.next(connection);
    this.#events.dispatchEvent(new CustomEvent('peer', { detail: { connection } }));
    return true;
  }

  /** Re-dispatches a connection's event on the pool's `events`, with `connection` set to the peer id (3.x). */
  #forward(connection: ManagedConnection, event: RTCTrackEvent | RTCDataChannelEvent): void {
    // a plain Event with the fields attached: RTCTrackEvent and RTCDataChannelEvent are globals
    // that Node's WebRTC stacks do not have
    const copy = new Event(event.type);
    let fields: object;
    if (event.type === 'track') {
      const { receiver, track, streams, transceiver } = event as RTCTrackEvent;
      fields = { receiver, track, streams: [...streams], transceiver };
      this.#trackEvents.next({ connection, event: event as RTCTrackEvent });
    } else {
      fields = { channel: (event as RTCDataChannelEvent).channel };
      this.#channelEvents.next({ connection, event: event as RTCDataChannelEvent });
    }
    for (const [name, value] of Object.entries({ ...fields, connection: connection.id })) {
      Object.defineProperty(copy, name, { value, enumerable: true });
    }
    this.#events.dispatchEvent(copy);
  }
}
