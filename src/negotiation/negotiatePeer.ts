import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  from,
  map,
  merge,
  of,
  Subject,
  switchMap,
  tap,
  throwError,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { RtcPoolError } from '../errors';
import type { IceCandidate, PeerId, SdpDescription } from '../signalling/messages';
import type { NegotiationOutput, RemoteInput } from './actions';
import type { NegotiationPort } from './port';

/**
 * The perfect negotiation state of one peer, with the names of the W3C/MDN pattern. Exposed for
 * tests and diagnostics; only {@link negotiatePeer} changes it.
 */
export interface PerfectNegotiationState {
  readonly polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  isSettingRemoteAnswerPending: boolean;
  /** A polite peer's first offer, held so that the older peer offers first; dropped once we answer. */
  offerDeferred: boolean;
  /** Candidates that came before any remote description, and whether an offer was being ignored then. */
  readonly pendingCandidates: Array<{ readonly candidate: IceCandidate | null; readonly ignoring: boolean }>;
}

type Step =
  | { readonly kind: 'negotiation-needed'; readonly held?: boolean }
  | { readonly kind: 'restart-ice' }
  | { readonly kind: 'description'; readonly description: SdpDescription }
  | { readonly kind: 'candidate'; readonly candidate: IceCandidate | null };

/**
 * How long the ICE connection may stay `disconnected` before the peer restarts ICE. Chrome
 * says `disconnected` after a few seconds without consent responses, and `failed` only after
 * about 30: a restart here recovers from a changed network path long before that.
 */
export const ICE_DISCONNECTED_RESTART_MS = 3_000;

/**
 * How long a polite peer that has never negotiated holds its first offer, waiting for the older
 * peer's. Chromium rolls back a first offer badly: after the implicit rollback the polite side
 * gathers no candidates and its connection never connects (seen in the demo's end-to-end spec,
 * about one run in eight). When the older peer's offer comes within this time, the held offer is
 * dropped once it is answered: the answer covers everything that offer would have carried, and
 * the browser fires `negotiationneeded` again on returning to stable if something is still left
 * (W3C webrtc-pc, "set the session description": the flag was true before and after the update),
 * so a plain join costs one offer and one answer. Otherwise the held offer goes out when the time
 * is up (an older peer with nothing to offer, such as a 3.x client).
 */
export const FIRST_OFFER_GRACE_MS = 250;

/** Creates the initial negotiation state of a peer. */
export function initialNegotiationState(polite: boolean): PerfectNegotiationState {
  return { polite, makingOffer: false, ignoreOffer: false, isSettingRemoteAnswerPending: false, offerDeferred: false, pendingCandidates: [] };
}

/**
 * Negotiates with one peer: every step (our offers, the peer's descriptions and candidates,
 * ICE restarts) runs in one queue, so each sees the state the previous one left. A failed step
 * becomes a `negotiation-failed` output and the queue goes on.
 *
 * @param remote$ - the signalling input about this peer, in the order it arrived
 */
export function negotiatePeer(
  peer: PeerId,
  port: NegotiationPort,
  remote$: Observable<RemoteInput>,
  state: PerfectNegotiationState,
  timing: { readonly scheduler?: SchedulerLike; readonly disconnectedRestartMs?: number; readonly firstOfferGraceMs?: number } = {},
): Observable<NegotiationOutput> {
  const scheduler = timing.scheduler ?? asyncScheduler;
  /** When to try a held offer again: after the grace. */
  const heldOffer = new Subject<number>();
  const fail = (error: unknown, what: string): Observable<NegotiationOutput> =>
    of({
      type: 'negotiation-failed',
      peer,
      error: new RtcPoolError('negotiation-failed', `${what} failed for peer ${peer}: ${describe(error)}`, { cause: error, peer }),
    });
  const send = (description: SdpDescription): NegotiationOutput => ({ type: 'send-description', peer, description });

  const offer = (held: boolean): Observable<NegotiationOutput> => {
    // negotiationneeded fires again once the state is back to stable, if it is still needed
    if (port.signalingState() !== 'stable') return EMPTY;
    if (state.polite && !held && !port.hasRemoteDescription()) {
      state.offerDeferred = true;
      heldOffer.next(timing.firstOfferGraceMs ?? FIRST_OFFER_GRACE_MS);
      return EMPTY;
    }
    state.offerDeferred = false;
    return defer(() => {
      state.makingOffer = true;
      return port.setLocalDescription();
    }).pipe(
      map(send),
      finalize(() => (state.makingOffer = false)),
    );
  };

  const addCandidate = (candidate: IceCandidate | null, ignoring: boolean): Observable<NegotiationOutput> =>
    port.addIceCandidate(candidate).pipe(
      concatMap(() => EMPTY),
      // a candidate of an offer we ignored cannot be added; only then is the failure expected
      catchError((error: unknown) => (ignoring ? EMPTY : throwError(() => error))),
    );

  const flushCandidates = (): Observable<NegotiationOutput> => {
    const pending = state.pendingCandidates.splice(0);
    return from(pending).pipe(
      concatMap(({ candidate, ignoring }) =>
        addCandidate(candidate, ignoring).pipe(catchError((error: unknown) => fail(error, 'addIceCandidate'))),
      ),
    );
  };

  const receiveDescription = (description: SdpDescription): Observable<NegotiationOutput> => {
    const readyForOffer = !state.makingOffer && (port.signalingState() === 'stable' || state.isSettingRemoteAnswerPending);
    const offerCollision = description.type === 'offer' && !readyForOffer;
    state.ignoreOffer = !state.polite && offerCollision;
    if (state.ignoreOffer) return EMPTY;
    state.isSettingRemoteAnswerPending = description.type === 'answer';
    const setRemote$ = port.setRemoteDescription(description).pipe(
      finalize(() => (state.isSettingRemoteAnswerPending = false)),
      concatMap(() => EMPTY),
    );
    const answer$ =
      description.type === 'offer'
        ? port.setLocalDescription().pipe(
            // the older peer spoke first and is answered: a held offer has nothing left to carry
            // that the browser will not ask for again with a fresh negotiationneeded
            tap(() => (state.offerDeferred = false)),
            map(send),
          )
        : EMPTY;
    // candidates that came early can only be added once the remote description is set
    return concat(setRemote$, defer(flushCandidates), answer$);
  };

  const receiveCandidate = (candidate: IceCandidate | null): Observable<NegotiationOutput> => {
    if (!port.hasRemoteDescription()) {
      state.pendingCandidates.push({ candidate, ignoring: state.ignoreOffer });
      return EMPTY;
    }
    return addCandidate(candidate, state.ignoreOffer);
  };

  const run = (step: Step): Observable<NegotiationOutput> => {
    switch (step.kind) {
      case 'negotiation-needed':
        return offer(step.held ?? false).pipe(catchError((error: unknown) => fail(error, 'making an offer')));
      case 'restart-ice':
        return defer(() => {
          port.restartIce();
          return EMPTY;
        }).pipe(catchError((error: unknown) => fail(error, 'restartIce')));
      case 'description':
        return receiveDescription(step.description).pipe(
          catchError((error: unknown) => fail(error, `applying the remote ${step.description.type}`)),
        );
      case 'candidate':
        return receiveCandidate(step.candidate).pipe(catchError((error: unknown) => fail(error, 'addIceCandidate')));
    }
  };

  const steps$: Observable<Step> = merge(
    port.negotiationNeeded$.pipe(map((): Step => ({ kind: 'negotiation-needed' }))),
    heldOffer.pipe(
      switchMap((delay) => timer(delay, scheduler)),
      filter(() => state.offerDeferred),
      map((): Step => ({ kind: 'negotiation-needed', held: true })),
    ),
    port.iceConnectionState$.pipe(
      // restart on failed at once, on disconnected once it lasts; any other state calls it off
      switchMap((iceState) =>
        iceState === 'failed'
          ? of<Step>({ kind: 'restart-ice' })
          : iceState === 'disconnected'
            ? timer(timing.disconnectedRestartMs ?? ICE_DISCONNECTED_RESTART_MS, scheduler).pipe(
                map((): Step => ({ kind: 'restart-ice' })),
              )
            : EMPTY,
      ),
    ),
    remote$.pipe(
      map((input): Step =>
        input.type === 'remote-description'
          ? { kind: 'description', description: input.description }
          : { kind: 'candidate', candidate: input.candidate },
      ),
    ),
  );

  return merge(
    // candidates go out at once: trickle ICE is not part of the serialised negotiation
    port.localCandidate$.pipe(map((candidate): NegotiationOutput => ({ type: 'send-candidate', peer, candidate }))),
    steps$.pipe(concatMap(run)),
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
