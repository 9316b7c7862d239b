import type { Subscription } from 'rxjs';
import { RtcPoolError } from './errors';
import { localCandidates } from './negotiation/peerConnectionPort';
import type { IceCandidate, SdpDescription } from './signalling/messages';
import { STANDING_OFFER_MAX_AGE_MS } from './poolOptions';

export { STANDING_OFFER_MAX_AGE_MS };

/** What {@link StandingOffers} needs from the pool. */
export interface StandingOfferHost {
  /** A new connection, as every peer's is made (configuration, control channel). */
  make(): RTCPeerConnection;
  /** Whether a standing offer can go out now: joined, to a server that keeps them. */
  serving(): boolean;
  /** Sends `rtc:standing`. */
  send(sid: number, description: SdpDescription): void;
  /** A standing offer could not be made (reported on the pool's `errors$`). */
  report(error: RtcPoolError): void;
}

/** A standing offer a newcomer took: its connection, and the candidates it gathered meanwhile, to send that peer. */
export interface TakenOffer {
  readonly pc: RTCPeerConnection;
  readonly candidates: ReadonlyArray<IceCandidate | null>;
}

/** One standing connection, and the candidates it gathers until a newcomer takes it. */
interface Standing {
  readonly pc: RTCPeerConnection;
  readonly candidates: Array<IceCandidate | null>;
  readonly gathering: Subscription;
}

/** A standing offer as `rtc:join` carries it. */
export interface StandingOfferInit {
  readonly sid: number;
  readonly description: SdpDescription;
}

/**
 * The standing offer of a pool (our extension, `PoolOptions.standingOffer`): one connection with
 * its offer made, kept at the server for the next newcomer, which answers it at once: a join in
 * four one-way delays instead of six. The offer goes out as soon as it is made; the candidates
 * the connection gathers are kept with it and sent to the newcomer that takes it (trickle ICE).
 *
 * The first is made as the pool is made and rides on `rtc:join`, so it stands from the moment
 * the pool is admitted; each later one goes in `rtc:standing`. The server confirms those with
 * `rtc:standing` `{ sid }`, in order with the `rtc:peer` that says a newcomer took one, so a
 * connection the server had is closed only once its fate is known: taken (it becomes that
 * peer's), or replaced (a later `sid` confirmed, and no take said before).
 */
export class StandingOffers {
  /**
   * Every standing connection whose fate is open, by sid, from the moment it is made until a
   * newcomer takes it or it is dropped: at most a few (the current one, those being replaced).
   */
  readonly #offers = new Map<number, Standing>();
  /** The offers made so far, of those connections. */
  readonly #made = new Map<number, SdpDescription>();
  /** Those the server of this membership has (on `rtc:join` or in `rtc:standing`). */
  readonly #sent = new Set<number>();
  #nextSid = 1;
  /** The newest offer is being made. */
  #making = false;
  /** A renewal was asked for while one was being made: it runs once that one is out. */
  #again = false;
  #ageTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  readonly #host: StandingOfferHost;

  constructor(host: StandingOfferHost) {
    this.#host = host;
  }

  /** Make a new standing offer, to replace the one there is (the first, new ICE servers, old age, a take, a resume). */
  renew(): void {
    if (this.#closed) return;
    if (this.#making) {
      this.#again = true;
      return;
    }
    this.#making = true;
    void this.#makeOne().finally(() => {
      this.#making = false;
      if (!this.#again) return;
      this.#again = false;
      this.renew();
    });
  }

  /**
   * The offer `rtc:join` carries: the newest made, if any. A join begins a membership, which
   * knows of no earlier offer: every older connection is dropped.
   */
  forJoin(): StandingOfferInit | undefined {
    this.#sent.clear();
    const sid = this.#newestMade();
    if (sid === undefined) return undefined;
    this.#dropBefore(sid);
    this.#sent.add(sid);
    return { sid, description: this.#made.get(sid)! };
  }

  /** The pool joined: a server that keeps standing offers gets the newest, if the join did not carry it; any other ends them. */
  joined(): void {
    if (!this.#host.serving()) {
      this.close();
      return;
    }
    const sid = this.#newestMade();
    if (sid !== undefined && !this.#sent.has(sid)) this.#sendOne(sid);
  }

  /** The server keeps `sid` now: every older one it did not hand out is dropped. */
  confirmed(sid: number): void {
    this.#dropBefore(sid);
  }

  /**
   * A newcomer took `sid`: its connection, now that peer's, with the candidates to send it (null
   * if there is no such offer); a new offer is made.
   */
  take(sid: number): TakenOffer | null {
    const standing = this.#offers.get(sid);
    if (!standing || !this.#sent.has(sid)) return null;
    this.#forget(sid);
    standing.gathering.unsubscribe();
    // one newer than the taken one is on its way or standing already: it serves the next newcomer
    if (![...this.#offers.keys()].some((other) => other > sid)) this.renew();
    return { pc: standing.pc, candidates: standing.candidates };
  }

  /** Drops everything for good (the pool closed, or its server keeps no standing offers). */
  close(): void {
    this.#closed = true;
    for (const sid of [...this.#offers.keys()]) this.#drop(sid);
    this.#clearAge();
  }

  #newestMade(): number | undefined {
    let newest: number | undefined;
    for (const sid of this.#made.keys()) if (newest === undefined || sid > newest) newest = sid;
    return newest;
  }

  #forget(sid: number): void {
    this.#offers.delete(sid);
    this.#made.delete(sid);
    this.#sent.delete(sid);
  }

  /** Closes a standing connection and forgets it. */
  #drop(sid: number): void {
    const standing = this.#offers.get(sid);
    if (!standing) return;
    this.#forget(sid);
    standing.gathering.unsubscribe();
    standing.pc.close();
  }

  /** Closes every connection older than `sid` (made, or being made). */
  #dropBefore(sid: number): void {
    for (const older of [...this.#offers.keys()]) if (older < sid) this.#drop(older);
  }

  #sendOne(sid: number): void {
    this.#sent.add(sid);
    this.#host.send(sid, this.#made.get(sid)!);
  }

  async #makeOne(): Promise<void> {
    const sid = this.#nextSid++;
    let pc: RTCPeerConnection;
    try {
      pc = this.#host.make();
    } catch (error) {
      this.#host.report(new RtcPoolError('negotiation-failed', `could not make a standing offer: ${String(error)}`, { cause: error }));
      return;
    }
    const candidates: Array<IceCandidate | null> = [];
    const standing: Standing = { pc, candidates, gathering: localCandidates(pc).subscribe((candidate) => candidates.push(candidate)) };
    this.#offers.set(sid, standing);
    try {
      await pc.setLocalDescription();
    } catch (error) {
      if (this.#offers.get(sid) === standing) this.#drop(sid);
      else pc.close();
      if (!this.#closed) this.#host.report(new RtcPoolError('negotiation-failed', `could not make a standing offer: ${String(error)}`, { cause: error }));
      return;
    }
    // dropped meanwhile (closed, or a join carried a newer one)
    if (this.#offers.get(sid) !== standing || pc.localDescription === null) return;
    this.#made.set(sid, { type: 'offer', sdp: pc.localDescription.sdp });
    // older ones the server never had are of no use to anyone
    for (const older of [...this.#offers.keys()]) if (older < sid && !this.#sent.has(older)) this.#drop(older);
    if (this.#host.serving()) this.#sendOne(sid);
    this.#clearAge();
    this.#ageTimer = setTimeout(() => this.renew(), STANDING_OFFER_MAX_AGE_MS);
  }

  #clearAge(): void {
    if (this.#ageTimer !== null) clearTimeout(this.#ageTimer);
    this.#ageTimer = null;
  }
}
