import { asyncScheduler, Observable, Subscription, type SchedulerLike } from 'rxjs';
import { RtcPoolError } from '../errors';
import type { IceCandidate, PeerId, SdpDescription } from '../signalling/messages';
import type { FirstOfferHint, NegotiationOutput, RemoteInput } from './actions';
import type { NegotiationPort } from './port';
import {
  FIRST_OFFER_GRACE_MS,
  ICE_DISCONNECTED_RESTART_MS,
  initialNegotiationState,
  OFFERER_WAIT_MS,
  type PerfectNegotiationState,
} from './perfectNegotiationState';
import { sdpFingerprint } from './sdpFingerprint';
import { HEADER_EXTENSION_LOCK_WAIT_MS, settleHeaderExtensionLock } from './headerExtensionLock';
import { StepQueue, wait, type StepBody } from './stepQueue';

export { FIRST_OFFER_GRACE_MS, HEADER_EXTENSION_LOCK_WAIT_MS, ICE_DISCONNECTED_RESTART_MS, initialNegotiationState, OFFERER_WAIT_MS, type PerfectNegotiationState };

type Step =
  | { readonly kind: 'negotiation-needed'; readonly held?: boolean }
  | { readonly kind: 'restart-ice' }
  | { readonly kind: 'lock-timeout' }
  | { readonly kind: 'description'; readonly description: SdpDescription }
  | { readonly kind: 'candidate'; readonly candidate: IceCandidate | null };

const NEGOTIATION_NEEDED: Step = { kind: 'negotiation-needed' };
const HELD_OFFER: Step = { kind: 'negotiation-needed', held: true };
const RESTART_ICE: Step = { kind: 'restart-ice' };
const LOCK_TIMEOUT: Step = { kind: 'lock-timeout' };

/** Timing and hooks of {@link negotiatePeer}. */
export interface NegotiatePeerOptions {
  /** Scheduler of its timers (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Overrides {@link ICE_DISCONNECTED_RESTART_MS}. */
  readonly disconnectedRestartMs?: number;
  /** Overrides {@link FIRST_OFFER_GRACE_MS}. */
  readonly firstOfferGraceMs?: number;
  /** Overrides {@link OFFERER_WAIT_MS}. */
  readonly offererWaitMs?: number;
  /** What signalling tells of the first offer (see {@link FirstOfferHint}). */
  readonly firstOffer?: FirstOfferHint;
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
  // plain listeners and a StepQueue, not an operator pipeline: this runs for every peer and every
  // signalling message, on the page's one thread, while the whole mesh sets up
  return new Observable<NegotiationOutput>((output) => {
    const scheduler = timing.scheduler ?? asyncScheduler;
    let current: Target | null = null;
    /** True while our connection is rebuilt to follow the peer's: its offer supersedes any replay. */
    let following = false;
    /** What listens to the current connection, with its pending ICE restart. */
    let listening = new Subscription();
    /** A held first offer's retry, after the grace. */
    let heldOffer: Subscription | null = null;
    /** The connection is a rebuilt one: the peer offers on it only if it rebuilt too, so no offer is owed. */
    let rebuilt = false;
    /**
     * How long a polite first offer waits for the peer's: until it comes, for a peer the server
     * listed as an offerer (on the first connection, which the listing is about); otherwise the
     * grace and two round trips to the server (see FIRST_OFFER_GRACE_MS).
     */
    const holdMs = (): number =>
      timing.firstOffer?.peerOffers && !rebuilt
        ? (timing.offererWaitMs ?? OFFERER_WAIT_MS)
        : (timing.firstOfferGraceMs ?? FIRST_OFFER_GRACE_MS) + 2 * (timing.firstOffer?.roundTripMs ?? 0);
    /** The end of the wait for the peer's header extension lock. */
    let lockWait: Subscription | null = null;

    const fail = ({ port }: Target, error: unknown, what: string): void => {
      // a closed connection is being rebuilt or removed: what fails on it is no news
      if (port.closed?.()) return;
      output.next({
        type: 'negotiation-failed',
        peer,
        error: new RtcPoolError('negotiation-failed', `${what} failed for peer ${peer}: ${describe(error)}`, { cause: error, peer }),
      });
    };
    const send = (description: SdpDescription): void => output.next({ type: 'send-description', peer, description });

    /** Runs a step's body; what it throws becomes a `negotiation-failed` output. */
    function* guard(target: Target, what: string, body: StepBody): StepBody {
      try {
        yield* body;
      } catch (error) {
        fail(target, error, what);
      }
    }

    function* offer({ port, state }: Target, held: boolean): StepBody {
      // negotiationneeded fires again once the state is back to stable, if it is still needed
      if (port.signalingState() !== 'stable') return;
      // not even a held first offer: the peer's lock offer is on its way (see headerExtensionLock)
      if (state.awaitingLock) {
        state.offerDeferred = true;
        return;
      }
      if (state.polite && !held && !port.hasRemoteDescription()) {
        state.offerDeferred = true;
        heldOffer?.unsubscribe();
        heldOffer = scheduler.schedule(() => {
          if (current!.state.offerDeferred) queue.push(HELD_OFFER);
        }, holdMs());
        return;
      }
      state.offerDeferred = false;
      state.makingOffer = true;
      try {
        send(yield* wait(port.setLocalDescription()));
      } finally {
        state.makingOffer = false;
      }
    }

    /** The peer's lock offer did not come in time (a peer without the lock): offer what waited. */
    function* lockTimeout(target: Target): StepBody {
      if (!target.state.awaitingLock) return;
      target.state.awaitingLock = false;
      if (target.state.offerDeferred) yield* offer(target, true);
    }

    function* addCandidate({ port }: Target, candidate: IceCandidate | null, ignoring: boolean): StepBody {
      try {
        yield* wait(port.addIceCandidate(candidate));
      } catch (error) {
        // a candidate of an offer we ignored cannot be added; only then is the failure expected
        if (!ignoring) throw error;
      }
    }

    function* receiveDescription(target: Target, description: SdpDescription): StepBody {
      const { port, state } = target;
      const readyForOffer = !state.makingOffer && (port.signalingState() === 'stable' || state.isSettingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      state.ignoreOffer = !state.polite && offerCollision;
      if (state.ignoreOffer) return;
      if (description.type === 'offer') state.unansweredOffer = { description, candidates: [] };
      state.isSettingRemoteAnswerPending = description.type === 'answer';
      try {
        yield* wait(port.setRemoteDescription(description));
      } finally {
        state.isSettingRemoteAnswerPending = false;
      }
      // candidates that came early can only be added once the remote description is set
      for (const { candidate, ignoring } of state.pendingCandidates.splice(0)) {
        try {
          yield* addCandidate(target, candidate, ignoring);
        } catch (error) {
          fail(target, error, 'addIceCandidate');
        }
      }
      if (description.type === 'offer') {
        const answer = yield* wait(port.setLocalDescription());
        // the older peer spoke first and is answered: a held offer has nothing left to carry
        // that the browser will not ask for again with a fresh negotiationneeded
        state.offerDeferred = false;
        state.unansweredOffer = null;
        // only a decided lock waits, and the peer's first offer after the first exchange is its
        // lock offer: the wait is over
        state.awaitingLock = false;
        send(answer);
      }
      // once, when the first exchange is done: lock header extension ids, or wait for the peer to
      if (settleHeaderExtensionLock(port, state, description.sdp)) {
        lockWait?.unsubscribe();
        lockWait = scheduler.schedule(() => queue.push(LOCK_TIMEOUT), timing.headerExtensionLockWaitMs ?? HEADER_EXTENSION_LOCK_WAIT_MS);
      }
    }

    function* receiveCandidate(target: Target, candidate: IceCandidate | null): StepBody {
      const { port, state } = target;
      state.unansweredOffer?.candidates.push(candidate);
      if (!port.hasRemoteDescription()) {
        state.pendingCandidates.push({ candidate, ignoring: state.ignoreOffer });
        return;
      }
      yield* addCandidate(target, candidate, state.ignoreOffer);
    }

    /** An offer from a connection the peer rebuilt: rebuild ours, so the offer meets a fresh one. */
    const followRebuiltPeer = (description: SdpDescription): void => {
      const target = current!;
      const { port } = target;
      if (description.type !== 'offer' || !port.rebuild) return;
      const ours = port.remoteFingerprint?.() ?? null;
      // the first offer meets no remote description: nothing to compare, no SDP to scan
      if (ours === null) return;
      const theirs = sdpFingerprint(description.sdp);
      if (theirs === null || ours === theirs) return;
      following = true;
      try {
        port.rebuild();
      } catch (error) {
        // the offer still goes to the connection we have, and fails there if it must
        fail(target, error, 'rebuilding the connection');
      } finally {
        following = false;
      }
    };

    /** The body of a step, on the connection of the moment; null when it did all it had to. */
    const start = (step: Step): StepBody | null => {
      if (step.kind === 'description') followRebuiltPeer(step.description);
      const target = current!;
      if (target.port.closed?.()) {
        // on a closed connection nothing runs; the peer's offer and candidates are kept for a rebuilt one
        if (step.kind === 'description' && step.description.type === 'offer') {
          target.state.unansweredOffer = { description: step.description, candidates: [] };
        } else if (step.kind === 'candidate') {
          target.state.unansweredOffer?.candidates.push(step.candidate);
        }
        return null;
      }
      switch (step.kind) {
        case 'negotiation-needed':
          return guard(target, 'making an offer', offer(target, step.held ?? false));
        case 'lock-timeout':
          return guard(target, 'making an offer', lockTimeout(target));
        case 'restart-ice':
          try {
            target.port.restartIce();
          } catch (error) {
            fail(target, error, 'restartIce');
          }
          return null;
        case 'description':
          return guard(target, `applying the remote ${step.description.type}`, receiveDescription(target, step.description));
        case 'candidate':
          return guard(target, 'addIceCandidate', receiveCandidate(target, step.candidate));
      }
    };

    const queue = new StepQueue<Step>(start, (error) => output.error(error));

    const listen = (port: NegotiationPort): void => {
      listening.unsubscribe();
      const work = (listening = new Subscription());
      // candidates go out at once: trickle ICE is not part of the serialised negotiation
      work.add(port.localCandidate$.subscribe((candidate) => output.next({ type: 'send-candidate', peer, candidate })));
      work.add(port.negotiationNeeded$.subscribe(() => queue.push(NEGOTIATION_NEEDED)));
      let restart: Subscription | null = null;
      work.add(() => restart?.unsubscribe());
      work.add(
        port.iceConnectionState$.subscribe((iceState) => {
          // restart on failed at once, on disconnected once it lasts; any other state calls it off
          restart?.unsubscribe();
          restart = null;
          if (iceState === 'failed') queue.push(RESTART_ICE);
          else if (iceState === 'disconnected') {
            restart = scheduler.schedule(() => queue.push(RESTART_ICE), timing.disconnectedRestartMs ?? ICE_DISCONNECTED_RESTART_MS);
          }
        }),
      );
    };

    /** Takes the peer's connection, first or rebuilt: a rebuilt one abandons the step under way. */
    const adopt = (port: NegotiationPort): void => {
      const previous = current;
      current = { port, state: initialNegotiationState(polite) };
      timing.onState?.(current.state);
      if (previous !== null) {
        rebuilt = true;
        queue.abandon();
        const unanswered = previous.state.unansweredOffer;
        if (!following && unanswered) {
          queue.push({ kind: 'description', description: unanswered.description });
          for (const candidate of unanswered.candidates) queue.push({ kind: 'candidate', candidate });
        }
      }
      listen(port);
    };

    const ports = port$.subscribe({ next: adopt, error: (error: unknown) => output.error(error) });
    const inputs = remote$.subscribe({
      next: (input) =>
        queue.push(
          input.type === 'remote-description'
            ? { kind: 'description', description: input.description }
            : { kind: 'candidate', candidate: input.candidate },
        ),
      error: (error: unknown) => output.error(error),
    });
    return () => {
      ports.unsubscribe();
      inputs.unsubscribe();
      queue.close();
      listening.unsubscribe();
      heldOffer?.unsubscribe();
      lockWait?.unsubscribe();
    };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
