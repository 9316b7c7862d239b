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
  shareReplay,
  Subject,
  switchMap,
  takeUntil,
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
import {
  FIRST_OFFER_GRACE_MS,
  ICE_DISCONNECTED_RESTART_MS,
  initialNegotiationState,
  type PerfectNegotiationState,
} from './perfectNegotiationState';
import { sdpFingerprint } from './sdpFingerprint';
import { HEADER_EXTENSION_LOCK_WAIT_MS, settleHeaderExtensionLock } from './headerExtensionLock';

export { FIRST_OFFER_GRACE_MS, HEADER_EXTENSION_LOCK_WAIT_MS, ICE_DISCONNECTED_RESTART_MS, initialNegotiationState, type PerfectNegotiationState };

type Step =
  | { readonly kind: 'negotiation-needed'; readonly held?: boolean }
  | { readonly kind: 'restart-ice' }
  | { readonly kind: 'lock-timeout' }
  | { readonly kind: 'description'; readonly description: SdpDescription }
  | { readonly kind: 'candidate'; readonly candidate: IceCandidate | null };

/** Timing and hooks of {@link negotiatePeer}. */
export interface NegotiatePeerOptions {
  /** Scheduler of its timers (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Overrides {@link ICE_DISCONNECTED_RESTART_MS}. */
  readonly disconnectedRestartMs?: number;
  /** Overrides {@link FIRST_OFFER_GRACE_MS}. */
  readonly firstOfferGraceMs?: number;
  /** Overrides {@link HEADER_EXTENSION_LOCK_WAIT_MS}. */
  readonly headerExtensionLockWaitMs?: number;
  /** Called with each fresh negotiation state: the first connection's, then each rebuilt one's. */
  readonly onState?: (state: PerfectNegotiationState) => void;
}

/** The connection a step works on, and its state, as they were when the step began. */
interface Target {
  readonly port: NegotiationPort;
  readonly state: PerfectNegotiationState;
}

/**
 * Negotiates with one peer: every step (our offers, the peer's descriptions and candidates,
 * ICE restarts) runs in one queue, so each sees the state the previous one left. A failed step
 * becomes a `negotiation-failed` output and the queue goes on.
 *
 * `port$` gives the peer's connection, then each connection rebuilt for it. The queue outlives
 * them: the step under way on a replaced connection is abandoned (a closed connection may never
 * settle it), and the next steps run on the new one with a fresh state. A connection that died
 * with the peer's offer unanswered hands that offer and its candidates to the new one, so the
 * peer gets its answer. An offer whose DTLS fingerprint differs from the remote description the
 * connection has comes from a connection the peer rebuilt: ours is rebuilt too
 * ({@link NegotiationPort.rebuild}) and the offer goes to the fresh one.
 *
 * @param remote$ - the signalling input about this peer, in the order it arrived
 */
export function negotiatePeer(
  peer: PeerId,
  port$: Observable<NegotiationPort>,
  remote$: Observable<RemoteInput>,
  polite: boolean,
  timing: NegotiatePeerOptions = {},
): Observable<NegotiationOutput> {
  return defer(() => {
    const scheduler = timing.scheduler ?? asyncScheduler;
    let current: Target | null = null;
    /** True while our connection is rebuilt to follow the peer's: its offer supersedes any replay. */
    let following = false;
    const replaced = new Subject<void>();
    const replayed = new Subject<Step>();
    /** When to try a held offer again: after the grace. */
    const heldOffer = new Subject<number>();
    /** When to stop waiting for the peer's header extension lock. */
    const lockWait = new Subject<number>();

    const adopt = (port: NegotiationPort): NegotiationPort => {
      const previous = current;
      current = { port, state: initialNegotiationState(polite) };
      timing.onState?.(current.state);
      if (previous === null) return port;
      replaced.next();
      const unanswered = previous.state.unansweredOffer;
      if (!following && unanswered) {
        replayed.next({ kind: 'description', description: unanswered.description });
        for (const candidate of unanswered.candidates) replayed.next({ kind: 'candidate', candidate });
      }
      return port;
    };

    const fail = ({ port }: Target, error: unknown, what: string): Observable<NegotiationOutput> =>
      // a closed connection is being rebuilt or removed: what fails on it is no news
      port.closed?.()
        ? EMPTY
        : of({
            type: 'negotiation-failed',
            peer,
            error: new RtcPoolError('negotiation-failed', `${what} failed for peer ${peer}: ${describe(error)}`, { cause: error, peer }),
          });
    const send = (description: SdpDescription): NegotiationOutput => ({ type: 'send-description', peer, description });

    const offer = ({ port, state }: Target, held: boolean): Observable<NegotiationOutput> => {
      // negotiationneeded fires again once the state is back to stable, if it is still needed
      if (port.signalingState() !== 'stable') return EMPTY;
      // not even a held first offer: the peer's lock offer is on its way (see headerExtensionLock)
      if (state.awaitingLock) {
        state.offerDeferred = true;
        return EMPTY;
      }
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

    const addCandidate = ({ port }: Target, candidate: IceCandidate | null, ignoring: boolean): Observable<NegotiationOutput> =>
      port.addIceCandidate(candidate).pipe(
        concatMap(() => EMPTY),
        // a candidate of an offer we ignored cannot be added; only then is the failure expected
        catchError((error: unknown) => (ignoring ? EMPTY : throwError(() => error))),
      );

    const flushCandidates = (target: Target): Observable<NegotiationOutput> => {
      const pending = target.state.pendingCandidates.splice(0);
      return from(pending).pipe(
        concatMap(({ candidate, ignoring }) =>
          addCandidate(target, candidate, ignoring).pipe(catchError((error: unknown) => fail(target, error, 'addIceCandidate'))),
        ),
      );
    };

    const receiveDescription = (target: Target, description: SdpDescription): Observable<NegotiationOutput> => {
      const { port, state } = target;
      const readyForOffer = !state.makingOffer && (port.signalingState() === 'stable' || state.isSettingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      state.ignoreOffer = !state.polite && offerCollision;
      if (state.ignoreOffer) return EMPTY;
      if (description.type === 'offer') state.unansweredOffer = { description, candidates: [] };
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
              tap(() => {
                state.offerDeferred = false;
                state.unansweredOffer = null;
                // only a decided lock waits, and the peer's first offer after the first exchange
                // is its lock offer: the wait is over
                state.awaitingLock = false;
              }),
              map(send),
            )
          : EMPTY;
      // candidates that came early can only be added once the remote description is set
      return concat(setRemote$, defer(() => flushCandidates(target)), answer$, defer(() => decideLock(target, description)));
    };

    /** Once, when the first exchange is done: lock header extension ids, or wait for the peer to. */
    const decideLock = ({ port, state }: Target, { sdp }: SdpDescription): Observable<NegotiationOutput> => {
      if (settleHeaderExtensionLock(port, state, sdp)) lockWait.next(timing.headerExtensionLockWaitMs ?? HEADER_EXTENSION_LOCK_WAIT_MS);
      return EMPTY;
    };

    /** The peer's lock offer did not come in time (a peer without the lock): offer what waited. */
    const lockTimeout = (target: Target): Observable<NegotiationOutput> => {
      if (!target.state.awaitingLock) return EMPTY;
      target.state.awaitingLock = false;
      return target.state.offerDeferred ? offer(target, true) : EMPTY;
    };

    const receiveCandidate = (target: Target, candidate: IceCandidate | null): Observable<NegotiationOutput> => {
      const { port, state } = target;
      state.unansweredOffer?.candidates.push(candidate);
      if (!port.hasRemoteDescription()) {
        state.pendingCandidates.push({ candidate, ignoring: state.ignoreOffer });
        return EMPTY;
      }
      return addCandidate(target, candidate, state.ignoreOffer);
    };

    /** On a closed connection nothing runs; the peer's offer and candidates are kept for a rebuilt one. */
    const keepForRebuild = ({ state }: Target, step: Step): Observable<NegotiationOutput> => {
      if (step.kind === 'description' && step.description.type === 'offer') {
        state.unansweredOffer = { description: step.description, candidates: [] };
      } else if (step.kind === 'candidate') {
        state.unansweredOffer?.candidates.push(step.candidate);
      }
      return EMPTY;
    };

    /** An offer from a connection the peer rebuilt: rebuild ours, so the offer meets a fresh one. */
    const followRebuiltPeer = ({ port }: Target, description: SdpDescription): void => {
      if (description.type !== 'offer' || !port.rebuild) return;
      const ours = port.remoteFingerprint?.() ?? null;
      // the first offer meets no remote description: nothing to compare, no SDP to scan
      if (ours === null) return;
      const theirs = sdpFingerprint(description.sdp);
      if (theirs === null || ours === theirs) return;
      following = true;
      try {
        port.rebuild();
      } finally {
        following = false;
      }
    };

    /** A step, abandoned if its connection is replaced before it ends (the following before it, on purpose). */
    const run = (step: Step): Observable<NegotiationOutput> => {
      if (step.kind === 'description') followRebuiltPeer(current!, step.description);
      return runOn(current!, step).pipe(takeUntil(replaced));
    };

    const runOn = (target: Target, step: Step): Observable<NegotiationOutput> => {
      if (target.port.closed?.()) return keepForRebuild(target, step);
      switch (step.kind) {
        case 'negotiation-needed':
          return offer(target, step.held ?? false).pipe(catchError((error: unknown) => fail(target, error, 'making an offer')));
        case 'lock-timeout':
          return lockTimeout(target).pipe(catchError((error: unknown) => fail(target, error, 'making an offer')));
        case 'restart-ice':
          return defer(() => {
            target.port.restartIce();
            return EMPTY;
          }).pipe(catchError((error: unknown) => fail(target, error, 'restartIce')));
        case 'description':
          return receiveDescription(target, step.description).pipe(
            catchError((error: unknown) => fail(target, error, `applying the remote ${step.description.type}`)),
          );
        case 'candidate':
          return receiveCandidate(target, step.candidate).pipe(catchError((error: unknown) => fail(target, error, 'addIceCandidate')));
      }
    };

    // replayed to every subscriber, so each follows the connection of the moment; adopted once
    const ports$ = port$.pipe(map(adopt), shareReplay({ bufferSize: 1, refCount: true }));

    const steps$: Observable<Step> = merge(
      ports$.pipe(
        switchMap((port) =>
          merge(
            port.negotiationNeeded$.pipe(map((): Step => ({ kind: 'negotiation-needed' }))),
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
          ),
        ),
      ),
      heldOffer.pipe(
        switchMap((delay) => timer(delay, scheduler)),
        filter(() => current!.state.offerDeferred),
        map((): Step => ({ kind: 'negotiation-needed', held: true })),
      ),
      lockWait.pipe(
        switchMap((delay) => timer(delay, scheduler)),
        map((): Step => ({ kind: 'lock-timeout' })),
      ),
      replayed,
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
      ports$.pipe(
        switchMap((port) => port.localCandidate$),
        map((candidate): NegotiationOutput => ({ type: 'send-candidate', peer, candidate })),
      ),
      steps$.pipe(concatMap((step) => defer(() => run(step)))),
    );
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
