import { distinct, Subject, Subscription, type Observable } from 'rxjs';
import { connectionFailures, iceErrorCause, iceServerErrors } from './iceErrors';
import { IceServerSupply } from './iceServerSupply';
import type { ManagedConnection } from './connection';
import { RtcPoolError } from './errors';
import type { NegotiationInput, NegotiationOutput } from './negotiation/actions';
import { negotiationEpic } from './negotiation/negotiationEpic';
import { peerConnectionPort } from './negotiation/peerConnectionPort';
import { PeerSet, type ConnectionEvent, type DescribeEvent } from './peerSet';
import { isFinalState, type JoinResult, type PeerConnectionConstructor, type PoolOptions, type PoolState } from './poolOptions';
import { PoolEvents } from './poolEvents';
import { PoolChannel } from './room/poolChannel';
import type { PoolChannelOptions } from './room/poolChannelOptions';
import type { PeerDescription, PeerId, ServerMessage } from './signalling/messages';
import { Signalling, type TransceiverLike } from './signalling/signalling';
import type { TransportState } from './signalling/transceiver';
import { SignallingSession, type Meeting } from './signallingSession';
import type { StandingOffers } from './standingOffers';
import { inSubscriberZone } from './zone/inSubscriberZone';
import { runOutsideZone } from './zone/runOutsideZone';
import { loadFeature } from './util/loadFeature';

/** The code of standing offers, fetched when a pool asks for them (see `loadFeature`). */
const loadStandingOffers = /*#__PURE__*/ loadFeature('standing offers', () => import('./standingOffers'));

const isSignalling = (channel: Signalling | TransceiverLike): channel is Signalling => channel instanceof Signalling;

/**
 * A pool of WebRTC connections: join a named pool through a signalling channel and get one
 * {@link ManagedConnection} per other member, each negotiated with perfect negotiation.
 *
 * 3.x code uses `join()`, `connections`, `getConnection()`, `close()` and the `events`
 * EventTarget; RxJS code uses the `…$` streams. Event streams are hot; `connections$` and
 * `state$` replay their current value. Every stream completes when the pool closes.
 *
 * @example
 * ```ts
 * const pool = new Pool({ iceServers: [] }, new signalling.websocket('ws://127.0.0.1:8080/signal'));
 * pool.connections$.subscribe((connections) => render(connections));
 * await pool.join('room');
 * ```
 */
export class Pool {
  /** The 3.x EventTarget: `join`, `peer`, `close`, `stop`, `describe`, `track`, `datachannel`. */
  readonly events = new PoolEvents();

  // TypeScript-private, not #private: spec/browser/reliability.spec.ts finds leaks by walking
  // this object's own properties for Subjects and subscriptions still observed (and reads `signals`)
  private readonly signals: Signalling;
  private readonly actions = new Subject<NegotiationInput>();
  private readonly subscription = new Subscription();
  readonly #peers: PeerSet;
  readonly #session: SignallingSession;
  private readonly errorEvents = new Subject<RtcPoolError>();
  /** `ice-server` errors of every connection, before each cause is reported once. */
  private readonly iceServerFailures = new Subject<RtcPoolError>();
  readonly #ice: IceServerSupply;

  /** The open pool channels, by label. */
  readonly #poolChannels = new Map<string, PoolChannel>();
  /** The standing offer of the extension, when `options.standingOffer` asks for it, once its code is loaded. */
  #standing: StandingOffers | null = null;

  /** Every current connection; replays the current list and emits on every change. */
  readonly connections$: Observable<ManagedConnection[]>;
  /** The pool's state; replays the current one. */
  readonly state$: Observable<PoolState>;
  /** The signalling transport's state (`reconnecting` while it is away); replays the current one. */
  readonly signallingState$: Observable<TransportState>;
  /** Emits once, when the join succeeds. */
  readonly joined$: Observable<JoinResult>;
  /** Each connection as its peer arrives (the peers already there arrive on join). */
  readonly peerJoined$: Observable<ManagedConnection>;
  /** Each connection as its peer leaves; it is closed by then. */
  readonly peerLeft$: Observable<ManagedConnection>;
  /** Each description the server sets for a peer after it arrived. */
  readonly described$: Observable<DescribeEvent>;
  /** Every remote track, with the connection it came on. */
  readonly tracks$: Observable<ConnectionEvent<RTCTrackEvent>>;
  /** Every data channel a peer opened, with the connection it came on. */
  readonly dataChannels$: Observable<ConnectionEvent<RTCDataChannelEvent>>;
  /**
   * Everything that went wrong without a promise to reject: `rtc:error` from the server
   * (`server-error`), frames that could not be parsed (`protocol`), signalling about unknown
   * peers (`unknown-peer`), failed negotiation steps (`negotiation-failed`), a failed transport,
   * a STUN or TURN server that failed (`ice-server`, once per server and error code), and a
   * connection that went to `failed` (`connection-failed`).
   */
  readonly errors$: Observable<RtcPoolError> = this.errorEvents.pipe(inSubscriberZone());

  /**
   * Create an RTC pool from an RTCConfiguration and a signalling channel.
   *
   * @param configuration - passed to every RTCPeerConnection (ICE servers and the like)
   * @param signals - a {@link Signalling} channel, or a transceiver to make one from
   * @param options - time limits, the `RTCPeerConnection` class (ours)
   * @throws {@link RtcPoolError} `unsupported` where there is no `RTCPeerConnection` (jsdom,
   *   server-side rendering, Node without `options.RTCPeerConnection`)
   */
  constructor(
    configuration: RTCConfiguration,
    signals: Signalling | TransceiverLike,
    options: PoolOptions = {},
  ) {
    const PeerConnection = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: PeerConnectionConstructor }).RTCPeerConnection;
    if (PeerConnection === undefined) {
      throw new RtcPoolError(
        'unsupported',
        "there is no RTCPeerConnection here (server-side rendering, jsdom, Node): make the pool in a browser, or pass { RTCPeerConnection } in the pool's options (in Node, from 'rtcpool/node')",
      );
    }
    this.#ice = new IceServerSupply(configuration, () => this.#session.send('rtc:ice-servers', {}));
    // the connections' defaults (dataChannelTimeoutMs, statsIntervalMs) as they are now: a copy,
    // since the app may reuse its options object; the whole object, as no field list has to ship
    this.#peers = new PeerSet(configuration, this.events, { ...options }, PeerConnection);
    // with zone.js, the library works in the root zone: only these public emissions reach the app's zone
    this.connections$ = this.#peers.connections$.pipe(inSubscriberZone());
    this.peerJoined$ = this.#peers.arrivals$.pipe(inSubscriberZone());
    this.peerLeft$ = this.#peers.departures$.pipe(inSubscriberZone());
    this.described$ = this.#peers.described$.pipe(inSubscriberZone());
    this.tracks$ = this.#peers.tracks$.pipe(inSubscriberZone());
    this.dataChannels$ = this.#peers.dataChannels$.pipe(inSubscriberZone());
    this.signals = isSignalling(signals) ? signals : new Signalling(signals);
    this.signallingState$ = this.signals.state$.pipe(inSubscriberZone());
    this.#session = new SignallingSession(
      this.signals,
      {
        has: (id) => this.#peers.has(id),
        ids: () => this.#peers.ids(),
        connect: (id, polite, description, meeting) => this.#addPeer(id, polite, description, meeting),
        // a restarted server lost our standing offer: a new one (the old one's fate, if a newcomer
        // took it meanwhile, arrives first: the server sends what it kept before it confirms)
        resumed: () => this.#standing?.renew(),
        drop: (id) => this.#onPeerClosed(id),
        grantIceServers: (iceServers, ttl) => this.#ice.grant(iceServers, ttl),
      },
      (error) => this.errorEvents.next(error),
      options.joinTimeoutMs,
      options.standingOffer ? () => this.#standing?.forJoin() : null,
    );
    this.state$ = this.#session.state$.pipe(inSubscriberZone());
    this.joined$ = this.#session.joined$.pipe(inSubscriberZone());
    this.subscription.add(this.#session.joined$.subscribe((result) => this.events.dispatchEvent(new CustomEvent('join', { detail: result }))));
    // joined (first, or afresh after a refused resume): the server keeps our standing offer, or none
    if (options.standingOffer) {
      this.subscription.add(this.#session.joined$.subscribe(() => this.#standing?.joined()));
      // in the root zone (its events are no app's); the first offer rides on rtc:join if it is
      // made by then, else it follows in rtc:standing
      runOutsideZone(() => this.#standOffer());
    }
    this.subscription.add(
      negotiationEpic(this.actions, { orphanTimeoutMs: options.orphanTimeoutMs }).subscribe((output) => this.#onNegotiation(output)),
    );
    this.subscription.add(this.signals.messages$.subscribe((message) => this.#onMessage(message)));
    this.subscription.add(this.signals.errors$.subscribe((error) => this.errorEvents.next(error)));
    // a connection whose set-up died past the last rebuild, or that could not be rebuilt
    this.subscription.add(this.#peers.failures$.subscribe((error) => this.errorEvents.next(error)));
    this.subscription.add(this.#ice.configuration$.subscribe((next) => this.#reconfigure(next)));
    // a server that fails every candidate of every connection is one cause, until new servers come
    this.subscription.add(
      this.iceServerFailures.pipe(distinct(iceErrorCause, this.#ice.configuration$)).subscribe((error) => this.errorEvents.next(error)),
    );
  }

  /** This endpoint's id, null before joined. */
  get id(): PeerId | null {
    return this.#session.id;
  }

  /** The pool's current state. */
  get state(): PoolState {
    return this.#session.state;
  }

  /** A list of every {@link ManagedConnection}. */
  get connections(): ManagedConnection[] {
    return this.#peers.connections;
  }

  /** The number of connections. */
  get nconnections(): number {
    return this.#peers.size;
  }

  /** The connection to the peer `id`, or null if there is none. */
  getConnection(id: PeerId): ManagedConnection | null {
    return this.#peers.get(id);
  }

  /**
   * Sends `rtc:join` to join (or create) the pool `pool`. Resolves when the server answers with
   * `rtc:joined`; rejects with {@link RtcPoolError}: `server-error` when the server refuses,
   * `timeout`, or `closed`. 3.x code may ignore the promise: its failures also reach `errors$`.
   *
   * @throws {@link RtcPoolError} `already-joined` when joining or joined, `closed` after close,
   *   `bad-argument` for a pool name that is not a non-empty string
   */
  join(pool: string): Promise<JoinResult> {
    if (typeof pool !== 'string' || pool === '') throw new RtcPoolError('bad-argument', 'a pool name is a non-empty string');
    if (this.state !== 'new') {
      if (isFinalState(this.state)) throw new RtcPoolError('closed', 'the pool is closed');
      throw new RtcPoolError('already-joined', 'Cannot join a pool: already joining or joined.');
    }
    // the join's timer and the promise's own callbacks stay in the root zone; the caller's
    // `then` runs in the caller's zone (one change detection when it settles)
    const result = runOutsideZone(() => this.#session.join(pool));
    // a 3.x caller that ignores the promise must not get an unhandled rejection
    result.catch(() => undefined);
    return result;
  }

  /**
   * One channel across the whole pool: with every current and future peer that makes a pool
   * channel with the same label, on top of each connection's `channel()` (messages of any size,
   * paced). Usable before or after `join()`. See {@link PoolChannel}.
   *
   * Asking again for a label whose channel is open gives the same PoolChannel (the new options
   * are ignored); after it closes, a new one.
   *
   * @param label - names the channel; every peer uses the same one
   * @param options - each peer's receive limit, high-water mark and chunk size, and how much may
   *   wait for one slow peer (`maxQueuedBytes`)
   * @throws {@link RtcPoolError} `bad-argument` for a label that is not a string or an option
   *   that is not a positive number, `closed` after the pool closed
   *
   * @example
   * ```ts
   * const chat = pool.channel('chat');
   * chat.messages$.subscribe(({ from, data }) => show(from, data));
   * await pool.join('room');
   * await chat.send('hello, everyone');
   * ```
   */
  channel(label: string, options: PoolChannelOptions = {}): PoolChannel {
    if (typeof label !== 'string') throw new RtcPoolError('bad-argument', 'a pool channel label is a string');
    for (const [name, value] of Object.entries(options ?? {})) {
      if (value !== undefined && !(typeof value === 'number' && value > 0 && value < Infinity)) throw new RtcPoolError('bad-argument', `pool.channel('${label}'): ${name} is a positive number`);
    }
    if (isFinalState(this.state)) throw new RtcPoolError('closed', 'the pool is closed');
    let channel = this.#poolChannels.get(label);
    if (!channel) {
      channel = new PoolChannel(label, options ?? {}, this.#peers.connections$, (closed) => this.#poolChannels.delete(closed.label));
      this.#poolChannels.set(label, channel);
    }
    return channel;
  }

  /**
   * Loads the standing offers' code (only apps that ask for them carry it), then makes the first
   * one; a pool that joined meanwhile hears whether its server keeps them.
   */
  #standOffer(): void {
    loadStandingOffers().then(
      ({ StandingOffers }) => {
        if (isFinalState(this.state)) return;
        this.#standing = new StandingOffers({
          make: () => this.#peers.make(),
          serving: () => this.#session.state === 'joined' && this.#session.servesStanding,
          send: (sid, description) => this.#session.send('rtc:standing', { sid, description }),
          report: (error) => this.errorEvents.next(error),
        });
        this.#standing.renew();
        if (this.#session.state === 'joined') this.#standing.joined();
      },
      (error: RtcPoolError) => this.errorEvents.next(error),
    );
  }

  /** Closes every connection and the signalling channel; dispatches `close` with a null detail. */
  close(): void {
    runOutsideZone(() => this.#shutdown('closed'));
  }

  #onMessage(message: ServerMessage): void {
    if (this.#session.handle(message)) return;
    switch (message.type) {
      case 'rtc:ice-servers':
        return this.#ice.grant(message.data.iceServers, message.data.iceServersTtl);
      case 'rtc:standing':
        return this.#standing?.confirmed(message.data.sid);
      case 'rtc:sdp':
        return this.actions.next({ type: 'remote-description', peer: message.data.peer, description: message.data.description });
      case 'rtc:candidate':
        return this.actions.next({ type: 'remote-candidate', peer: message.data.from, candidate: message.data.candidate });
      case 'rtc:stop':
        return this.#shutdown('stopped');
      case 'rtc:describe':
        return this.#onDescribe(message.data.id, message.data.description);
    }
  }

  #onPeerClosed(id: PeerId): void {
    // tell the epic even so: signalling held for an unannounced peer is dropped with it
    this.actions.next({ type: 'peer-removed', peer: id });
    if (!this.#peers.has(id)) {
      this.errorEvents.next(new RtcPoolError('unknown-peer', `rtc:close for unknown peer ${id}`, { peer: id }));
      return;
    }
    this.#peers.remove(id, true);
  }

  #onDescribe(id: PeerId, description: PeerDescription): void {
    if (id === this.#session.id) return;
    if (!this.#peers.describe(id, description)) {
      this.errorEvents.next(new RtcPoolError('unknown-peer', `rtc:describe for unknown peer ${id}`, { peer: id }));
    }
  }

  #onNegotiation(output: NegotiationOutput): void {
    switch (output.type) {
      case 'send-description':
        return this.#session.send('rtc:sdp', { to: output.peer, description: output.description });
      case 'send-candidate':
        return this.#session.send('rtc:candidate', { for: output.peer, candidate: output.candidate });
      case 'negotiation-failed':
        return this.errorEvents.next(output.error);
    }
  }

  #addPeer(id: PeerId, polite: boolean, description: PeerDescription, meeting: Meeting): void {
    const firstOffer = { peerOffers: meeting.peerOffers, roundTripMs: meeting.roundTripMs };
    // the newcomer took our standing offer: its connection, offer made, is the peer's
    const standing = meeting.tookStanding === undefined ? null : (this.#standing?.take(meeting.tookStanding) ?? null);
    try {
      this.#peers.add(
        id,
        description,
        (pc) => {
          this.actions.next({ type: 'peer-added', peer: id, polite, port: peerConnectionPort(pc), firstOffer });
          const watch = iceServerErrors(pc, id).subscribe((error) => this.iceServerFailures.next(error));
          watch.add(connectionFailures(pc, id).subscribe((error) => this.errorEvents.next(error)));
          return watch;
        },
        standing?.pc,
      );
      // what the standing connection gathered while it stood goes to the peer that took it
      for (const candidate of standing?.candidates ?? []) this.#onNegotiation({ type: 'send-candidate', peer: id, candidate });
      // the peer's standing offer, handed over at join: answered at once, as if it came by rtc:sdp
      if (meeting.standingOffer) this.actions.next({ type: 'remote-description', peer: id, description: meeting.standingOffer });
    } catch (error) {
      standing?.pc.close();
      // a bad RTCConfiguration, or Chromium's cap on peer connections: this peer only is lost
      this.errorEvents.next(
        new RtcPoolError('negotiation-failed', `could not make a connection to ${id}: ${String(error)}`, { cause: error, peer: id }),
      );
    }
  }

  /** New ICE servers: every connection gets them; one that refuses says so on `errors$`. */
  #reconfigure(configuration: RTCConfiguration): void {
    // a standing offer made with the old servers carries their candidates: make it anew
    if (this.#session.state === 'joined') this.#standing?.renew();
    for (const { id, error } of this.#peers.reconfigure(configuration)) {
      this.errorEvents.next(new RtcPoolError('ice-server', `the connection to ${id} refused new ICE servers: ${String(error)}`, { cause: error, peer: id }));
    }
  }

  #shutdown(final: 'stopped' | 'closed'): void {
    if (isFinalState(this.state)) return;
    for (const id of this.#peers.ids()) this.actions.next({ type: 'peer-removed', peer: id });
    for (const channel of [...this.#poolChannels.values()]) channel.close();
    this.#peers.close();
    this.#standing?.close();
    this.#ice.close();
    this.subscription.unsubscribe();
    this.#session.end(final);
    this.events.dispatchEvent(new CustomEvent(final === 'stopped' ? 'stop' : 'close', { detail: null }));
    for (const subject of [this.actions, this.iceServerFailures, this.errorEvents]) subject.complete();
    this.events.clearHandlers();
  }
}
