import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { connectionControl, ManagedConnection, type ManagedConnectionSettings } from './connection';
import type { PeerConnectionConstructor } from './poolOptions';
import type { PoolEvents } from './poolEvents';
import type { PeerDescription, PeerId } from './signalling/messages';
import { replayState } from './util/replayState';

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
 * The peers of a pool: one {@link ManagedConnection} each, their descriptions, and the streams
 * and 3.x events about them. The pool decides when peers come and go; this keeps the books.
 */
export class PeerSet {
  private readonly entries = new Map<
    PeerId,
    { readonly connection: ManagedConnection; readonly pc: RTCPeerConnection; readonly forwarding: Subscription; readonly watch: Subscription | void }
  >();
  /** The `desc_ref` every connection reads its description from. */
  private readonly descriptions: { [id: PeerId]: PeerDescription } = {};
  private readonly list = new BehaviorSubject<ManagedConnection[]>([]);
  private readonly arrivals = new Subject<ManagedConnection>();
  private readonly departures = new Subject<ManagedConnection>();
  private readonly descriptionEvents = new Subject<DescribeEvent>();
  private readonly trackEvents = new Subject<ConnectionEvent<RTCTrackEvent>>();
  private readonly channelEvents = new Subject<ConnectionEvent<RTCDataChannelEvent>>();

  readonly connections$: Observable<ManagedConnection[]> = replayState(this.list);
  readonly arrivals$: Observable<ManagedConnection> = this.arrivals.asObservable();
  readonly departures$: Observable<ManagedConnection> = this.departures.asObservable();
  readonly described$: Observable<DescribeEvent> = this.descriptionEvents.asObservable();
  readonly tracks$: Observable<ConnectionEvent<RTCTrackEvent>> = this.trackEvents.asObservable();
  readonly dataChannels$: Observable<ConnectionEvent<RTCDataChannelEvent>> = this.channelEvents.asObservable();

  /**
   * @param configuration - of every peer connection made from now on (see {@link reconfigure})
   * @param PeerConnection - the `RTCPeerConnection` class to make them with
   */
  constructor(
    private configuration: RTCConfiguration,
    private readonly events: PoolEvents,
    private readonly settings: ManagedConnectionSettings,
    private readonly PeerConnection: PeerConnectionConstructor,
  ) {}

  /** Every connection, in the order the peers arrived. */
  get connections(): ManagedConnection[] {
    return this.list.value;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: PeerId): ManagedConnection | null {
    return this.entries.get(id)?.connection ?? null;
  }

  has(id: PeerId): boolean {
    return this.entries.has(id);
  }

  ids(): PeerId[] {
    return [...this.entries.keys()];
  }

  /**
   * Makes the connection to a new peer. `wire` runs before anyone hears of it, so negotiation
   * listens to the peer connection before the app can touch it and no negotiationneeded is missed;
   * a subscription it returns ends when the peer is removed.
   */
  add(id: PeerId, description: PeerDescription, wire: (pc: RTCPeerConnection) => Subscription | void): void {
    const pc = new this.PeerConnection(this.configuration);
    try {
      pc.createDataChannel(CONTROL_CHANNEL.label, { negotiated: true, id: CONTROL_CHANNEL.id });
    } catch (error) {
      pc.close();
      throw error;
    }
    this.descriptions[id] = description;
    const connection = new ManagedConnection(pc, id, this.descriptions, this.settings);
    const forwarding = connection.events$.subscribe((event) => this.forward(connection, event));
    const watch = wire(pc);
    this.entries.set(id, { connection, pc, forwarding, watch });
    this.list.next([...this.list.value, connection]);
    this.arrivals.next(connection);
    this.events.dispatchEvent(new CustomEvent('peer', { detail: { connection } }));
  }

  /** Closes the connection to a peer; `announce` tells the app (`peerLeft$`, the `close` event). */
  remove(id: PeerId, announce: boolean): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.forwarding.unsubscribe();
    entry.watch?.unsubscribe();
    connectionControl(entry.connection).close();
    delete this.descriptions[id];
    this.list.next(this.list.value.filter((connection) => connection !== entry.connection));
    if (!announce) return;
    this.departures.next(entry.connection);
    this.events.dispatchEvent(new CustomEvent('close', { detail: entry.connection }));
  }

  /** Sets a peer's description and tells the app; false for a peer it does not know. */
  describe(id: PeerId, description: PeerDescription): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.descriptions[id] = description;
    connectionControl(entry.connection).described();
    const event: DescribeEvent = { connection: entry.connection, description };
    this.descriptionEvents.next(event);
    this.events.dispatchEvent(new CustomEvent('describe', { detail: event }));
    return true;
  }

  /**
   * Gives every connection, and every one made from now on, a new configuration (fresh ICE
   * servers). Returns the errors of the connections that refused it; the others have it.
   */
  reconfigure(configuration: RTCConfiguration): Array<{ readonly id: PeerId; readonly error: unknown }> {
    this.configuration = configuration;
    const refused: Array<{ readonly id: PeerId; readonly error: unknown }> = [];
    for (const [id, { pc }] of this.entries) {
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
    for (const subject of [this.list, this.arrivals, this.departures, this.descriptionEvents, this.trackEvents, this.channelEvents]) {
      subject.complete();
    }
  }

  /** Re-dispatches a connection's event on the pool's `events`, with `connection` set to the peer id (3.x). */
  private forward(connection: ManagedConnection, event: RTCTrackEvent | RTCDataChannelEvent): void {
    // a plain Event with the fields attached: RTCTrackEvent and RTCDataChannelEvent are globals
    // that Node's WebRTC stacks do not have
    const copy = new Event(event.type);
    let fields: object;
    if (event.type === 'track') {
      const { receiver, track, streams, transceiver } = event as RTCTrackEvent;
      fields = { receiver, track, streams: [...streams], transceiver };
      this.trackEvents.next({ connection, event: event as RTCTrackEvent });
    } else {
      fields = { channel: (event as RTCDataChannelEvent).channel };
      this.channelEvents.next({ connection, event: event as RTCDataChannelEvent });
    }
    for (const [name, value] of Object.entries({ ...fields, connection: connection.id })) {
      Object.defineProperty(copy, name, { value, enumerable: true });
    }
    this.events.dispatchEvent(copy);
  }
}
