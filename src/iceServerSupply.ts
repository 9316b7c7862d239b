import { asyncScheduler, Subject, takeWhile, timer, type Observable, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * Share of a grant's lifetime after which the pool asks the server for fresh credentials: early
 * enough that a slow answer, or a retry, still arrives before they expire.
 */
export const ICE_RENEW_AT = 0.75;
/** How often the pool asks again while a renewal is unanswered (until the credentials expire). */
export const ICE_RENEW_RETRY_MS = 5_000;

/**
 * The ICE servers of a pool: the app's own configuration, merged with those the signalling
 * server hands out (our `iceServers` extension of `rtc:joined`, `rtc:resumed` and
 * `rtc:ice-servers`). Credentials that expire are renewed before they do, by asking the server
 * (`request`) at {@link ICE_RENEW_AT} of their lifetime.
 *
 * Only a server that handed out ICE servers is ever asked, so a plain ssp v2 server never sees
 * the request.
 */
export class IceServerSupply {
  #granted: RTCIceServer[] = [];
  #renewal: Subscription | null = null;
  readonly #changes = new Subject<RTCConfiguration>();

  /** The merged configuration after each grant that changed it. */
  readonly configuration$: Observable<RTCConfiguration> = this.#changes.asObservable();

  readonly #base: RTCConfiguration;
  readonly #request: () => void;
  readonly #scheduler: SchedulerLike;

  /**
   * @param base - the app's own `RTCConfiguration`; its ICE servers come first
   * @param request - asks the server for fresh ICE servers
   * @param scheduler - times the renewals (a test's virtual clock)
   */
  constructor(
    base: RTCConfiguration,
    request: () => void,
    scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.#base = base;
    this.#request = request;
    this.#scheduler = scheduler;
  }

  /** The configuration every peer connection should have now. */
  get configuration(): RTCConfiguration {
    if (this.#granted.length === 0) return this.#base;
    return { ...this.#base, iceServers: [...(this.#base.iceServers ?? []), ...this.#granted] };
  }

  /**
   * Takes the ICE servers a server message carried (`undefined` when it carried none: a server
   * without the extension, which is then never asked) and `ttl`, the seconds they last.
   */
  grant(iceServers: readonly RTCIceServer[] | undefined, ttl: number | undefined): void {
    if (iceServers === undefined) return;
    this.#renewal?.unsubscribe();
    this.#renewal = null;
    const changed = JSON.stringify(iceServers) !== JSON.stringify(this.#granted);
    this.#granted = iceServers.map((server) => ({ ...server }));
    if (ttl !== undefined && ttl > 0) {
      const expiresAt = this.#scheduler.now() + ttl * 1000;
      this.#renewal = timer(ttl * 1000 * ICE_RENEW_AT, ICE_RENEW_RETRY_MS, this.#scheduler)
        .pipe(takeWhile(() => this.#scheduler.now() < expiresAt))
        .subscribe(() => this.#request());
    }
    if (changed) this.#changes.next(this.configuration);
  }

  /** Stops renewing and completes `configuration$`. */
  close(): void {
    this.#renewal?.unsubscribe();
    this.#renewal = null;
    this.#changes.complete();
  }
}
