import { BehaviorSubject, Subject, Subscription, timer, type Observable } from 'rxjs';
import { RtcPoolError } from './errors';
import {
  DEFAULT_JOIN_TIMEOUT_MS,
  isFinalState,
  JOIN_REFUSALS,
  RESUME_CONFIRM_MS,
  RESUME_REFUSALS,
  RESUME_RETRY_LIMIT_MS,
  RESUME_RETRY_MAX_DELAY_MS,
  RESUME_TIMEOUT_MS,
  type JoinResult,
  type PoolState,
} from './poolOptions';
import type { FirstOfferHint } from './negotiation/actions';
import type { StandingOfferInit } from './standingOffers';
import type { PeerDescription, PeerId, PoolView, SdpDescription, ServerMessage } from './signalling/messages';
import { backoffDelay } from './signalling/backoff';
import type { Signalling } from './signalling/signalling';
import type { TransportState } from './signalling/transceiver';
import { replayState } from './util/replayState';

/** How this endpoint meets a peer: who offers first, and the standing offers of the extension. */
export interface Meeting extends FirstOfferHint {
  /** The peer's standing offer, handed over by `rtc:joined`: answer it at once. */
  readonly standingOffer?: SdpDescription;
  /** The `sid` of our own standing offer that this newcomer took: its connection is the peer's. */
  readonly tookStanding?: number;
}

/** What a {@link SignallingSession} asks of the pool that keeps the peers. */
export interface SessionPeers {
  /** Whether there is a connection to `id`. */
  has(id: PeerId): boolean;
  /** The ids of every connection. */
  ids(): PeerId[];
  /**
   * Make a connection to `id`: polite when this endpoint learned of it from a pool view;
   * `meeting` says whether the peer will offer unasked, how far the server is, and which standing
   * offer, if any, the connection starts from.
   */
  connect(id: PeerId, polite: boolean, description: PeerDescription, meeting: Meeting): void;
  /** The session resumed after an outage (`rtc:resumed`). */
  resumed(): void;
  /** `id` is gone: it left, or it did not come back after a resume, or the session was lost. */
  drop(id: PeerId): void;
  /** The server handed out ICE servers (the TURN extension), before any peer is met. */
  grantIceServers(iceServers: readonly RTCIceServer[] | undefined, ttl: number | undefined): void;
}

/**
 * The life of a pool's signalling session in one place: joining, resuming after signalling
 * comes back (on the same server, a restarted one, or the next URL of a failover list),
 * and joining afresh when a resume is refused. The pool keeps the peers and the streams;
 * this keeps the id, the pool joined, the resume token and the pool's state.
 *
 * Members the server lists (`rtc:joined`, `rtc:resumed`, `rtc:peer`) and members that leave
 * (`rtc:close`) are handed to {@link SessionPeers}; everything else the server sends is the
 * pool's.
 */
export class SignallingSession {
  readonly #poolState = new BehaviorSubject<PoolState>('new');
  readonly #joinedEvents = new Subject<JoinResult>();
  readonly #joinRefusals = new Subject<RtcPoolError>();
  readonly #subscription = new Subscription();
  #myId: PeerId | null = null;
  #requestedPool: string | null = null;
  #joinedPool: string | null = null;

  /** The resume token of the extension, when the server gave one. */
  #token: string | null = null;

  /** Signalling dropped since the pool last spoke to the server. */
  #lost = false;
  #resumeWait: Subscription | null = null;

  /** Tries of the current resume that the cluster could not run yet, and until when to go on. */
  #resumeRetries = 0;
  #resumeRetryUntil = 0;
  /**
   * A try is on its way, unanswered. A `cluster-unavailable` while none is may answer a relay
   * queued behind the last try: it does not start another, which the server would refuse as a
   * resume already under way.
   */
  #resumeInFlight = false;
  /** Peers a resume did not list, that have until RESUME_CONFIRM_MS to resume too. */
  readonly #unconfirmed = new Set<PeerId>();
  /** When the last `rtc:join` or `rtc:resume` went out (`performance.now()`), to time the server's answer. */
  #askedAt = 0;
  /** The round trip to the server, from the last join or resume to its answer, in ms. */
  #roundTripMs = 0;
  /** The server of this membership keeps standing offers (its `rtc:joined` had `standingOffers`). */
  #keepsStanding = false;

  /** The pool's state; replays the current one. */
  readonly state$: Observable<PoolState> = replayState(this.#poolState);
  /** Emits once, when the join succeeds. */
  readonly joined$: Observable<JoinResult> = this.#joinedEvents.asObservable();

  readonly #signals: Signalling;
  readonly #peers: SessionPeers;
  readonly #report: (error: RtcPoolError) => void;
  readonly #joinTimeoutMs;
  readonly #standing: (() => StandingOfferInit | undefined) | null;

  /**
   * @param report - where errors without a promise to reject go (the pool's `errors$`)
   */
  constructor(
    signals: Signalling,
    peers: SessionPeers,
    report: (error: RtcPoolError) => void,
    joinTimeoutMs = DEFAULT_JOIN_TIMEOUT_MS,
    /**
     * Ask for standing offers (`rtc:join` `standing`): the pool keeps one, and takes others'.
     * Called for each `rtc:join`, it gives the standing offer the join carries, if one is ready.
     */
    standing: (() => StandingOfferInit | undefined) | null = null,
  ) {
    this.#signals = signals;
    this.#peers = peers;
    this.#report = report;
    this.#joinTimeoutMs = joinTimeoutMs;
    this.#standing = standing;
    this.#subscription.add(this.#signals.state$.subscribe((state) => this.#onTransport(state)));
  }

  /** This endpoint's id, null before joined (and while a fresh join replaces a lost session). */
  get id(): PeerId | null {
    return this.#myId;
  }

  get state(): PoolState {
    return this.#poolState.value;
  }

  /** Whether the server of this membership keeps standing offers (our extension). */
  get servesStanding(): boolean {
    return this.#keepsStanding;
  }

  /** Join the pool `pool`: see `Pool.join`. */
  join(pool: string): Promise<JoinResult> {
    this.#requestedPool = pool;
    return this.#requestJoin(pool);
  }

  /**
   * A message from the server: the session takes what is about membership and refusals and
   * returns whether it did.
   */
  handle(message: ServerMessage): boolean {
    switch (message.type) {
      case 'rtc:joined':
        this.#onJoined(message.data);
        return true;
      case 'rtc:resumed':
        this.#onResumed(message.data);
        return true;
      case 'rtc:peer':
        this.#onPeer(message.data.id, message.data.resumed === true, message.data.description ?? null, message.data.standing);
        return true;
      case 'rtc:close':
        this.#unconfirmed.delete(message.data.id);
        this.#peers.drop(message.data.id);
        return true;
      case 'rtc:error':
        this.#onRefusal(message.data.reason, new RtcPoolError('server-error', message.data.message, { reason: message.data.reason }));
        return true;
      default:
        return false;
    }
  }

  /** Send on the channel; a failure is reported, never thrown. */
  send(type: string, data: object): void {
    try {
      this.#signals.send(type, data);
    } catch (error) {
      this.#report(error instanceof RtcPoolError ? error : new RtcPoolError('transport', `could not send ${type}: ${String(error)}`, { cause: error }));
    }
  }

  /** A message that has no place in the current state. */
  unexpected(type: string): void {
    this.#report(new RtcPoolError('protocol', `unexpected ${type} in state ${this.state}`, { reason: 'unexpected' }));
  }

  /** The session ends for good (`stopped` by the server, or `closed`); the channel closes. */
  end(final: 'stopped' | 'closed'): void {
    this.#poolState.next(final);
    this.#subscription.unsubscribe();
    this.#signals.close();
    for (const subject of [this.#poolState, this.#joinedEvents, this.#joinRefusals]) subject.complete();
  }

  #requestJoin(pool: string): Promise<JoinResult> {
    this.#poolState.next('joining');
    const timeoutMs = this.#joinTimeoutMs;
    // plain subscriptions and one timer, not an operator race: every pool of a page joins at once
    const result = new Promise<JoinResult>((resolve, reject) => {
      const watch = new Subscription(() => clearTimeout(timeout));
      const fail = (error: RtcPoolError): void => {
        watch.unsubscribe();
        reject(error);
      };
      const timeout = setTimeout(() => fail(new RtcPoolError('timeout', `no rtc:joined within ${timeoutMs} ms`)), timeoutMs);
      watch.add(
        this.#joinedEvents.subscribe((joined) => {
          watch.unsubscribe();
          resolve(joined);
        }),
      );
      watch.add(this.#joinRefusals.subscribe(fail));
      // the replayed 'joining' passes: only a later change (close, stop) ends the wait
      watch.add(
        this.#poolState.subscribe((state) => {
          if (isFinalState(state)) fail(new RtcPoolError('closed', 'the pool closed before it joined'));
        }),
      );
    }).catch((error: RtcPoolError) => {
      if (this.state === 'joining') this.#poolState.next('new');
      if (error.code === 'timeout') this.#report(error);
      throw error;
    });
    this.#askedAt = performance.now();
    const standingOffer = this.#standing?.();
    this.send('rtc:join', this.#asks(standingOffer ? { pool, standingOffer } : { pool }));
    return result;
  }

  #onTransport(state: TransportState): void {
    if (state === 'reconnecting') {
      this.#lost = true;
      if (this.state === 'joined') this.#poolState.next('reconnecting');
    } else if (state === 'open' && this.#lost) {
      this.#lost = false;
      if (this.state === 'reconnecting') this.#recover();
    } else if (state === 'closed') {
      this.#report(new RtcPoolError('transport', 'the signalling channel closed'));
    }
  }

  /** Signalling is back: resume the session (extension), or join afresh. */
  #recover(): void {
    if (this.#token === null || this.#myId === null || this.#joinedPool === null) {
      this.#rejoin();
      return;
    }
    // a transport that dropped again mid-resume: this try replaces the last one
    this.#endResumeWait();
    this.#sendResume();
  }

  #sendResume(): void {
    this.#resumeInFlight = true;
    this.#resumeWait = timer(RESUME_TIMEOUT_MS).subscribe(() => this.#rejoin());
    this.#subscription.add(this.#resumeWait);
    this.#askedAt = performance.now();
    this.send('rtc:resume', this.#asks({ id: this.#myId, pool: this.#joinedPool, token: this.#token, last: this.#signals.lastSeen }));
  }

  /**
   * The cluster could not run the resume yet (`cluster-unavailable`): the token still stands,
   * so the same resume goes again after a backoff, until {@link RESUME_RETRY_LIMIT_MS} has passed.
   */
  #retryResume(): void {
    this.#endResumeWait();
    this.#resumeInFlight = false;
    const now = Date.now();
    if (this.#resumeRetryUntil === 0) this.#resumeRetryUntil = now + RESUME_RETRY_LIMIT_MS;
    if (now >= this.#resumeRetryUntil) return this.#rejoin();
    this.#resumeWait = timer(backoffDelay(this.#resumeRetries++, { maxDelayMs: RESUME_RETRY_MAX_DELAY_MS })).subscribe(() => this.#sendResume());
    this.#subscription.add(this.#resumeWait);
  }

  #onJoined(data: Extract<ServerMessage, { type: 'rtc:joined' }>['data']): void {
    if (this.state !== 'joining') return this.unexpected('rtc:joined');
    this.#roundTripMs = performance.now() - this.#askedAt;
    this.#keepsStanding = data.standingOffers !== undefined;
    // before meeting anyone: the connections made now need the servers handed out
    this.#peers.grantIceServers(data.iceServers, data.iceServersTtl);
    this.#myId = data.client_id;
    this.#joinedPool = data.pool ?? this.#requestedPool!;
    this.#token = data.token ?? null;
    const peers = this.#meet(data, new Set(data.offerers), data.standingOffers ?? {});
    this.#poolState.next('joined');
    this.#joinedEvents.next({ id: data.client_id, pool: this.#joinedPool, peers });
  }

  #onResumed(data: Extract<ServerMessage, { type: 'rtc:resumed' }>['data']): void {
    if (this.state !== 'reconnecting' || this.#resumeWait === null || data.client_id !== this.#myId) {
      return this.unexpected('rtc:resumed');
    }
    this.#endResume();
    this.#roundTripMs = performance.now() - this.#askedAt;
    // each token resumes once: the next resume needs this one
    if (data.token !== undefined) this.#token = data.token;
    this.#peers.grantIceServers(data.iceServers, data.iceServersTtl);
    this.#poolState.next('joined');
    // members met on a resume joined while this one was away: none is known to offer to it
    const listed = new Set(this.#meet(data, new Set(), {}));
    this.#peers.resumed();
    const missing = this.#peers.ids().filter((id) => !listed.has(id));
    if (missing.length === 0) return;
    for (const id of missing) this.#unconfirmed.add(id);
    this.#subscription.add(
      timer(RESUME_CONFIRM_MS).subscribe(() => {
        for (const id of missing) if (this.#unconfirmed.delete(id)) this.#peers.drop(id);
      }),
    );
  }

  #onPeer(id: PeerId, resumed: boolean, description: PeerDescription, tookStanding: number | undefined): void {
    // a peer that resumed its place, which we may still be connected to
    if (resumed && this.#peers.has(id)) {
      this.#unconfirmed.delete(id);
      return;
    }
    if (this.state !== 'joined') return this.unexpected('rtc:peer');
    if (id === this.#myId || this.#peers.has(id)) return this.unexpected('rtc:peer');
    this.#peers.connect(id, false, description, { peerOffers: false, roundTripMs: this.#roundTripMs, tookStanding });
  }

  #onRefusal(reason: string, error: RtcPoolError): void {
    this.#report(error);
    if (this.state === 'joining' && JOIN_REFUSALS.has(reason)) this.#joinRefusals.next(error);
    // any refusal while resuming (a plain ssp v2 server, a restarted one with another secret)
    if (this.#resumeWait !== null && RESUME_REFUSALS.has(reason)) this.#rejoin();
    else if (this.#resumeInFlight && reason === 'cluster-unavailable') this.#retryResume();
  }

  /** A fresh join with a new id: every connection of the old session goes, and the mesh is rebuilt. */
  #rejoin(): void {
    this.#endResume();
    for (const id of this.#peers.ids()) this.#peers.drop(id);
    this.#unconfirmed.clear();
    this.#myId = null;
    this.#token = null;
    // the failure, if any, is already reported
    this.#requestJoin(this.#requestedPool!).catch(() => undefined);
  }

  #endResumeWait(): void {
    this.#resumeWait?.unsubscribe();
    this.#resumeWait = null;
  }

  /** The resume is over (resumed, or given up for a fresh join): the next one tries anew. */
  #endResume(): void {
    this.#endResumeWait();
    this.#resumeInFlight = false;
    this.#resumeRetries = 0;
    this.#resumeRetryUntil = 0;
  }

  /**
   * Connects to the peers a pool view (`rtc:joined`, `rtc:resumed`) lists that this endpoint
   * has no connection to yet; it is polite to them, having learned of them from the view, and
   * waits for the first offer of those among `offerers`, and answers the `standingOffers` handed
   * to it. Returns every peer listed but itself.
   */
  #meet(view: PoolView, offerers: ReadonlySet<PeerId>, standingOffers: { readonly [peer: PeerId]: SdpDescription }): PeerId[] {
    const peers = [...new Set(view.peers)].filter((peer) => peer !== view.client_id);
    for (const peer of peers) {
      if (this.#peers.has(peer)) continue;
      const standingOffer = Object.prototype.hasOwnProperty.call(standingOffers, peer) ? standingOffers[peer] : undefined;
      this.#peers.connect(peer, true, view.descriptions[peer] ?? null, {
        peerOffers: offerers.has(peer) || standingOffer !== undefined,
        roundTripMs: this.#roundTripMs,
        standingOffer,
      });
    }
    return peers;
  }

  /** What `rtc:join` and `rtc:resume` ask of our extensions besides `data`. */
  #asks<T extends object>(data: T): T & { offerer: true; standing?: true } {
    // every pool offers to each newcomer at once (its control channel): the server may say so
    return this.#standing !== null ? { ...data, offerer: true, standing: true } : { ...data, offerer: true };
  }
}
