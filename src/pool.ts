import {
  BehaviorSubject,
  distinct,
  filter,
  firstValueFrom,
  race,
  skip,
  Subject,
  Subscription,
  switchMap,
  take,
  throwError,
  timer,
  type Observable,
} from 'rxjs';
import { connectionFailures, iceErrorCause, iceServerErrors } from './iceErrors';
import { IceServerSupply } from './iceServerSupply';
import type { ManagedConnection } from './connection';
import { RtcPoolError } from './errors';
import type { NegotiationInput, NegotiationOutput } from './negotiation/actions';
import { negotiationEpic } from './negotiation/negotiationEpic';
import { peerConnectionPort } from './negotiation/peerConnectionPort';
import { PeerSet, type ConnectionEvent, type DescribeEvent } from './peerSet';
import {
  DEFAULT_JOIN_TIMEOUT_MS,
  JOIN_REFUSALS,
  RESUME_CONFIRM_MS,
  RESUME_REFUSALS,
  RESUME_TIMEOUT_MS,
  type JoinResult,
  type PeerConnectionConstructor,
  type PoolOptions,
  type PoolState,
} from './poolOptions';
import { PoolEvents } from './poolEvents';
import { replayState } from './util/replayState';
import type { PeerDescription, PeerId, PoolView, ServerMessage } from './signalling/messages';
import { Signalling, type TransceiverLike } from './signalling/signalling';
import type { TransportState } from './signalling/transceiver';

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

  private readonly signals: Signalling;
  private readonly actions = new Subject<NegotiationInput>();
  private readonly subscription = new Subscription();
  private readonly peers: PeerSet;
  private readonly poolState = new BehaviorSubject<PoolState>('new');
  private readonly joinedEvents = new Subject<JoinResult>();
  private readonly joinRefusals = new Subject<RtcPoolError>();
  private readonly errorEvents = new Subject<RtcPoolError>();
  /** `ice-server` errors of every connection, before each cause is reported once. */
  private readonly iceServerFailures = new Subject<RtcPoolError>();
  private readonly ice: IceServerSupply;
  private myId: PeerId | null = null;
  private requestedPool: string | null = null;
  private joinedPool: string | null = null;
  /** The resume token of the extension, when the server gave one. */
  private token: string | null = null;
  /** Signalling dropped since the pool last spoke to the server. */
  private lost = false;
  private resumeWait: Subscription | null = null;
  /** Peers a resume did not list, that have until RESUME_CONFIRM_MS to resume too. */
  private readonly unconfirmed = new Set<PeerId>();

  /** Every current connection; replays the current list and emits on every change. */
  readonly connections$: Observable<ManagedConnection[]>;
  /** The pool's state; replays the current one. */
  readonly state$: Observable<PoolState> = replayState(this.poolState);
  /** The signalling transport's state (`reconnecting` while it is away); replays the current one. */
  readonly signallingState$: Observable<TransportState>;
  /** Emits once, when the join succeeds. */
  readonly joined$: Observable<JoinResult> = this.joinedEvents.asObservable();
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
  readonly errors$: Observable<RtcPoolError> = this.errorEvents.asObservable();

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
    private readonly options: PoolOptions = {},
  ) {
    const PeerConnection = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: PeerConnectionConstructor }).RTCPeerConnection;
    if (PeerConnection === undefined) {
      throw new RtcPoolError(
        'unsupported',
        "there is no RTCPeerConnection here (server-side rendering, jsdom, Node): make the pool in a browser, or pass { RTCPeerConnection } in the pool's options (in Node, from 'rtcpool/node')",
      );
    }
    this.ice = new IceServerSupply(configuration, () => this.send('rtc:ice-servers', {}));
    this.peers = new PeerSet(configuration, this.events, { dataChannelTimeoutMs: options.dataChannelTimeoutMs }, PeerConnection);
    this.connections$ = this.peers.connections$;
    this.peerJoined$ = this.peers.arrivals$;
    this.peerLeft$ = this.peers.departures$;
    this.described$ = this.peers.described$;
    this.tracks$ = this.peers.tracks$;
    this.dataChannels$ = this.peers.dataChannels$;
    this.signals = isSignalling(signals) ? signals : new Signalling(signals);
    this.signallingState$ = this.signals.state$;
    this.subscription.add(
      negotiationEpic(this.actions, { orphanTimeoutMs: options.orphanTimeoutMs }).subscribe((output) => this.onNegotiation(output)),
    );
    this.subscription.add(this.signals.messages$.subscribe((message) => this.onMessage(message)));
    this.subscription.add(this.signals.errors$.subscribe((error) => this.errorEvents.next(error)));
    this.subscription.add(this.signals.state$.subscribe((state) => this.onTransport(state)));
    this.subscription.add(this.ice.configuration$.subscribe((next) => this.reconfigure(next)));
    // a server that fails every candidate of every connection is one cause, until new servers come
    this.subscription.add(
      this.iceServerFailures.pipe(distinct(iceErrorCause, this.ice.configuration$)).subscribe((error) => this.errorEvents.next(error)),
    );
  }

  /** This endpoint's id, null before joined. */
  get id(): PeerId | null {
    return this.myId;
  }

  /** The pool's current state. */
  get state(): PoolState {
    return this.poolState.value;
  }

  /** A list of every {@link ManagedConnection}. */
  get connections(): ManagedConnection[] {
    return this.peers.connections;
  }

  /** The number of connections. */
  get nconnections(): number {
    return this.peers.size;
  }

  /** The connection to the peer `id`, or null if there is none. */
  getConnection(id: PeerId): ManagedConnection | null {
    return this.peers.get(id);
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
      if (this.state === 'stopped' || this.state === 'closed') throw new RtcPoolError('closed', 'the pool is closed');
      throw new RtcPoolError('already-joined', 'Cannot join a pool: already joining or joined.');
    }
    this.requestedPool = pool;
    const result = this.requestJoin(pool);
    // a 3.x caller that ignores the promise must not get an unhandled rejection
    result.catch(() => undefined);
    return result;
  }

  /** Closes every connection and the signalling channel; dispatches `close` with a null detail. */
  close(): void {
    this.shutdown('closed');
  }

  private requestJoin(pool: string): Promise<JoinResult> {
    this.poolState.next('joining');
    const timeoutMs = this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    const result = firstValueFrom(
      race(
        this.joinedEvents.pipe(take(1)),
        this.joinRefusals.pipe(switchMap((error) => throwError(() => error))),
        // skip the replayed 'joining': only a later change (close, stop) ends the wait
        this.poolState.pipe(
          skip(1),
          filter((state) => state === 'closed' || state === 'stopped'),
          switchMap(() => throwError(() => new RtcPoolError('closed', 'the pool closed before it joined'))),
        ),
        timer(timeoutMs).pipe(
          switchMap(() => throwError(() => new RtcPoolError('timeout', `no rtc:joined within ${timeoutMs} ms`))),
        ),
      ),
    ).catch((error: RtcPoolError) => {
      if (this.state === 'joining') this.poolState.next('new');
      if (error.code === 'timeout') this.errorEvents.next(error);
      throw error;
    });
    this.send('rtc:join', { pool });
    return result;
  }

  private onTransport(state: TransportState): void {
    if (state === 'reconnecting') {
      this.lost = true;
      if (this.state === 'joined') this.poolState.next('reconnecting');
    } else if (state === 'open' && this.lost) {
      this.lost = false;
      if (this.state === 'reconnecting') this.recover();
    } else if (state === 'closed') {
      this.errorEvents.next(new RtcPoolError('transport', 'the signalling channel closed'));
    }
  }

  /** Signalling is back: resume the session (extension), or join afresh. */
  private recover(): void {
    if (this.token === null || this.myId === null || this.joinedPool === null) {
      this.rejoin();
      return;
    }
    this.resumeWait = timer(RESUME_TIMEOUT_MS).subscribe(() => this.rejoin());
    this.subscription.add(this.resumeWait);
    this.send('rtc:resume', { id: this.myId, pool: this.joinedPool, token: this.token, last: this.signals.lastSeen });
  }

  private onResumed(data: Extract<ServerMessage, { type: 'rtc:resumed' }>['data']): void {
    if (this.state !== 'reconnecting' || this.resumeWait === null || data.client_id !== this.myId) {
      return this.unexpected('rtc:resumed');
    }
    this.endResumeWait();
    // each token resumes once: the next resume needs this one
    if (data.token !== undefined) this.token = data.token;
    this.ice.grant(data.iceServers, data.iceServersTtl);
    this.poolState.next('joined');
    const listed = new Set(this.meet(data));
    const missing = this.peers.ids().filter((id) => !listed.has(id));
    if (missing.length === 0) return;
    for (const id of missing) this.unconfirmed.add(id);
    this.subscription.add(
      timer(RESUME_CONFIRM_MS).subscribe(() => {
        for (const id of missing) if (this.unconfirmed.delete(id)) this.onPeerClosed(id);
      }),
    );
  }

  /** A fresh join with a new id: every connection of the old session goes, and the mesh is rebuilt. */
  private rejoin(): void {
    this.endResumeWait();
    for (const id of this.peers.ids()) this.onPeerClosed(id);
    this.unconfirmed.clear();
    this.myId = null;
    this.token = null;
    // the failure, if any, is already on errors$
    this.requestJoin(this.requestedPool!).catch(() => undefined);
  }

  private endResumeWait(): void {
    this.resumeWait?.unsubscribe();
    this.resumeWait = null;
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'rtc:joined':
        return this.onJoined(message.data);
      case 'rtc:peer':
        // a peer that resumed its place, which we may still be connected to
        if (message.data.resumed && this.peers.has(message.data.id)) {
          this.unconfirmed.delete(message.data.id);
          return;
        }
        if (this.state !== 'joined') return this.unexpected(message.type);
        if (message.data.id === this.myId || this.peers.has(message.data.id)) return this.unexpected(message.type);
        return this.addPeer(message.data.id, false, message.data.description ?? null);
      case 'rtc:resumed':
        return this.onResumed(message.data);
      case 'rtc:ice-servers':
        return this.ice.grant(message.data.iceServers, message.data.iceServersTtl);
      case 'rtc:sdp':
        return this.actions.next({ type: 'remote-description', peer: message.data.peer, description: message.data.description });
      case 'rtc:candidate':
        return this.actions.next({ type: 'remote-candidate', peer: message.data.from, candidate: message.data.candidate });
      case 'rtc:close':
        return this.onPeerClosed(message.data.id);
      case 'rtc:stop':
        return this.shutdown('stopped');
      case 'rtc:describe':
        return this.onDescribe(message.data.id, message.data.description);
      case 'rtc:error': {
        const error = new RtcPoolError('server-error', message.data.message, { reason: message.data.reason });
        this.errorEvents.next(error);
        if (this.state === 'joining' && JOIN_REFUSALS.has(message.data.reason)) this.joinRefusals.next(error);
        // any refusal while resuming (a plain ssp v2 server, a restarted one with another secret)
        if (this.resumeWait !== null && RESUME_REFUSALS.has(message.data.reason)) this.rejoin();
        return;
      }
    }
  }

  private onJoined(data: Extract<ServerMessage, { type: 'rtc:joined' }>['data']): void {
    if (this.state !== 'joining') return this.unexpected('rtc:joined');
    // before meeting anyone: the connections made now need the servers handed out
    this.ice.grant(data.iceServers, data.iceServersTtl);
    this.myId = data.client_id;
    this.joinedPool = data.pool ?? this.requestedPool!;
    this.token = data.token ?? null;
    const peers = this.meet(data);
    this.poolState.next('joined');
    const result: JoinResult = { id: data.client_id, pool: this.joinedPool, peers };
    this.joinedEvents.next(result);
    this.events.dispatchEvent(new CustomEvent('join', { detail: result }));
  }

  /**
   * Connects to the peers a pool view (`rtc:joined`, `rtc:resumed`) lists that this endpoint
   * has no connection to yet; it is polite to them, having learned of them from the view.
   * Returns every peer listed but itself.
   */
  private meet(view: PoolView): PeerId[] {
    const peers = [...new Set(view.peers)].filter((peer) => peer !== view.client_id);
    for (const peer of peers) if (!this.peers.has(peer)) this.addPeer(peer, true, view.descriptions[peer] ?? null);
    return peers;
  }

  private onPeerClosed(id: PeerId): void {
    this.unconfirmed.delete(id);
    // tell the epic even so: signalling held for an unannounced peer is dropped with it
    this.actions.next({ type: 'peer-removed', peer: id });
    if (!this.peers.has(id)) {
      this.errorEvents.next(new RtcPoolError('unknown-peer', `rtc:close for unknown peer ${id}`, { peer: id }));
      return;
    }
    this.peers.remove(id, true);
  }

  private onDescribe(id: PeerId, description: PeerDescription): void {
    if (id === this.myId) return;
    if (!this.peers.describe(id, description)) {
      this.errorEvents.next(new RtcPoolError('unknown-peer', `rtc:describe for unknown peer ${id}`, { peer: id }));
    }
  }

  private onNegotiation(output: NegotiationOutput): void {
    switch (output.type) {
      case 'send-description':
        return this.send('rtc:sdp', { to: output.peer, description: output.description });
      case 'send-candidate':
        return this.send('rtc:candidate', { for: output.peer, candidate: output.candidate });
      case 'negotiation-failed':
        return this.errorEvents.next(output.error);
    }
  }

  private addPeer(id: PeerId, polite: boolean, description: PeerDescription): void {
    try {
      this.peers.add(id, description, (pc) => {
        this.actions.next({ type: 'peer-added', peer: id, polite, port: peerConnectionPort(pc) });
        const watch = iceServerErrors(pc, id).subscribe((error) => this.iceServerFailures.next(error));
        watch.add(connectionFailures(pc, id).subscribe((error) => this.errorEvents.next(error)));
        return watch;
      });
    } catch (error) {
      // a bad RTCConfiguration, or Chromium's cap on peer connections: this peer only is lost
      this.errorEvents.next(
        new RtcPoolError('negotiation-failed', `could not make a connection to ${id}: ${String(error)}`, { cause: error, peer: id }),
      );
    }
  }

  /** New ICE servers: every connection gets them; one that refuses says so on `errors$`. */
  private reconfigure(configuration: RTCConfiguration): void {
    for (const { id, error } of this.peers.reconfigure(configuration)) {
      this.errorEvents.next(new RtcPoolError('ice-server', `the connection to ${id} refused new ICE servers: ${String(error)}`, { cause: error, peer: id }));
    }
  }

  private send(type: string, data: object): void {
    try {
      this.signals.send(type, data);
    } catch (error) {
      this.errorEvents.next(
        error instanceof RtcPoolError ? error : new RtcPoolError('transport', `could not send ${type}: ${String(error)}`, { cause: error }),
      );
    }
  }

  private unexpected(type: string): void {
    this.errorEvents.next(new RtcPoolError('protocol', `unexpected ${type} in state ${this.state}`, { reason: 'unexpected' }));
  }

  private shutdown(final: 'stopped' | 'closed'): void {
    if (this.state === 'stopped' || this.state === 'closed') return;
    for (const id of this.peers.ids()) this.actions.next({ type: 'peer-removed', peer: id });
    this.peers.close();
    this.ice.close();
    this.poolState.next(final);
    this.subscription.unsubscribe();
    this.signals.close();
    this.events.dispatchEvent(new CustomEvent(final === 'stopped' ? 'stop' : 'close', { detail: null }));
    for (const subject of [this.actions, this.poolState, this.joinedEvents, this.joinRefusals, this.iceServerFailures, this.errorEvents]) subject.complete();
    this.events.clearHandlers();
  }
}
