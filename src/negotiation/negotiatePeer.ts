import { asyncScheduler, Observable, Subscription, type SchedulerLike, type Subscriber } from 'rxjs';
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
import { StepQueue, wait, type StepBody } from './stepQueue';

export { FIRST_OFFER_GRACE_MS, HEADER_EXTENSION_LOCK_WAIT_MS, ICE_DISCONNECTED_RESTART_MS, initialNegotiationState, type PerfectNegotiationState };

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
  return new Observable<NegotiationOutput>((subscriber) => {
    const negotiation = new PeerNegotiation(peer, polite, timing, subscriber);
    const ports = port$.subscribe({ next: (port) => negotiation.adopt(port), error: (error: unknown) => subscriber.error(error) });
    const inputs = remote$.subscribe({
      next: (input) =>
        negotiation.push(
          input.type === 'remote-description'
            ? { kind: 'description', description: input.description }
            : { kind: 'candidate', candidate: input.candidate },
        ),
      error: (error: unknown) => subscriber.error(error),
    });
    return () => {
      ports.unsubscribe();
      inputs.unsubscribe();
      negotiation.close();
    };
  });
}

/**
 * The work of {@link negotiatePeer} for one subscriber. Plain listeners and a {@link StepQueue},
 * not an operator pipeline: this runs for every peer and every signalling message, and its cost
 * is paid on the page's one thread while the whole mesh sets up.
 */
class PeerNegotiation {
  private readonly scheduler: SchedulerLike;
  private readonly queue = new StepQueue<Step>(
    (step) => this.start(step),
    (error) => this.output.error(error),
  );
  private current: Target | null = null;
  /** True while our connection is rebuilt to follow the peer's: its offer supersedes any replay. */
  private following = false;
  /** What listens to the current connection, with its pending ICE restart. */
  private listening = new Subscription();
  /** A held first offer's retry, after the grace. */
  private heldOffer: Subscription | null = null;
  /** The end of the wait for the peer's header extension lock. */
  private lockWait: Subscription | null = null;

  constructor(
    private readonly peer: PeerId,
    private readonly polite: boolean,
    private readonly timing: NegotiatePeerOptions,
    private readonly output: Subscriber<NegotiationOutput>,
  ) {
    this.scheduler = timing.scheduler ?? asyncScheduler;
  }

  push(step: Step): void {
    this.queue.push(step);
  }

  /** Takes the peer's connection, first or rebuilt: a rebuilt one abandons the step under way. */
  adopt(port: NegotiationPort): void {
    const previous = this.current;
    this.current = { port, state: initialNegotiationState(this.polite) };
    this.timing.onState?.(this.current.state);
    if (previous !== null) {
      this.queue.abandon();
      const unanswered = previous.state.unansweredOffer;
      if (!this.following && unanswered) {
        this.queue.push({ kind: 'description', description: unanswered.description });
        for (const candidate of unanswered.candidates) this.queue.push({ kind: 'candidate', candidate });
      }
    }
    this.listen(port);
  }

  close(): void {
    this.queue.close();
    this.listening.unsubscribe();
    this.heldOffer?.unsubscribe();
    this.lockWait?.unsubscribe();
  }

  private listen(port: NegotiationPort): void {
    this.listening.unsubscribe();
    const listening = (this.listening = new Subscription());
    // candidates go out at once: trickle ICE is not part of the serialised negotiation
    listening.add(port.localCandidate$.subscribe((candidate) => this.output.next({ type: 'send-candidate', peer: this.peer, candidate })));
    listening.add(port.negotiationNeeded$.subscribe(() => this.queue.push(NEGOTIATION_NEEDED)));
    let restart: Subscription | null = null;
    listening.add(() => restart?.unsubscribe());
    listening.add(
      port.iceConnectionState$.subscribe((iceState) => {
        // restart on failed at once, on disconnected once it lasts; any other state calls it off
        restart?.unsubscribe();
        restart = null;
        if (iceState === 'failed') this.queue.push(RESTART_ICE);
        else if (iceState === 'disconnected') {
          restart = this.scheduler.schedule(() => this.queue.push(RESTART_ICE), this.timing.disconnectedRestartMs ?? ICE_DISCONNECTED_RESTART_MS);
        }
      }),
    );
  }

  /** The body of a step, on the connection of the moment; null when it did all it had to. */
  private start(step: Step): StepBody | null {
    if (step.kind === 'description') this.followRebuiltPeer(step.description);
    const target = this.current!;
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
        return this.guard(target, 'making an offer', this.offer(target, step.held ?? false));
      case 'lock-timeout':
        return this.guard(target, 'making an offer', this.lockTimeout(target));
      case 'restart-ice':
        try {
          target.port.restartIce();
        } catch (error) {
          this.fail(target, error, 'restartIce');
        }
        return null;
      case 'description':
        return this.guard(target, `applying the remote ${step.description.type}`, this.receiveDescription(target, step.description));
      case 'candidate':
        return this.guard(target, 'addIceCandidate', this.receiveCandidate(target, step.candidate));
    }
  }

  /** Runs a step's body; what it throws becomes a `negotiation-failed` output. */
  private *guard(target: Target, what: string, body: StepBody): StepBody {
    try {
      yield* body;
    } catch (error) {
      this.fail(target, error, what);
    }
  }

  private fail({ port }: Target, error: unknown, what: string): void {
    // a closed connection is being rebuilt or removed: what fails on it is no news
    if (port.closed?.()) return;
    this.output.next({
      type: 'negotiation-failed',
      peer: this.peer,
      error: new RtcPoolError('negotiation-failed', `${what} failed for peer ${this.peer}: ${describe(error)}`, { cause: error, peer: this.peer }),
    });
  }

  private send(description: SdpDescription): void {
    this.output.next({ type: 'send-description', peer: this.peer, description });
  }

  private *offer({ port, state }: Target, held: boolean): StepBody {
    // negotiationneeded fires again once the state is back to stable, if it is still needed
    if (port.signalingState() !== 'stable') return;
    // not even a held first offer: the peer's lock offer is on its way (see headerExtensionLock)
    if (state.awaitingLock) {
      state.offerDeferred = true;
      return;
    }
    if (state.polite && !held && !port.hasRemoteDescription()) {
      state.offerDeferred = true;
      this.heldOffer?.unsubscribe();
      this.heldOffer = this.scheduler.schedule(() => {
        if (this.current!.state.offerDeferred) this.queue.push(HELD_OFFER);
      }, this.timing.firstOfferGraceMs ?? FIRST_OFFER_GRACE_MS);
      return;
    }
    state.offerDeferred = false;
    state.makingOffer = true;
    try {
      this.send(yield* wait(port.setLocalDescription()));
    } finally {
      state.makingOffer = false;
    }
  }

  /** The peer's lock offer did not come in time (a peer without the lock): offer what waited. */
  private *lockTimeout(target: Target): StepBody {
    if (!target.state.awaitingLock) return;
    target.state.awaitingLock = false;
    if (target.state.offerDeferred) yield* this.offer(target, true);
  }

  private *receiveDescription(target: Target, description: SdpDescription): StepBody {
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
        yield* this.addCandidate(target, candidate, ignoring);
      } catch (error) {
        this.fail(target, error, 'addIceCandidate');
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
      this.send(answer);
    }
    // once, when the first exchange is done: lock header extension ids, or wait for the peer to
    if (settleHeaderExtensionLock(port, state, description.sdp)) {
      this.lockWait?.unsubscribe();
      this.lockWait = this.scheduler.schedule(
        () => this.queue.push(LOCK_TIMEOUT),
        this.timing.headerExtensionLockWaitMs ?? HEADER_EXTENSION_LOCK_WAIT_MS,
      );
    }
  }

  private *receiveCandidate(target: Target, candidate: IceCandidate | null): StepBody {
    const { port, state } = target;
    state.unansweredOffer?.candidates.push(candidate);
    if (!port.hasRemoteDescription()) {
      state.pendingCandidates.push({ candidate, ignoring: state.ignoreOffer });
      return;
    }
    yield* this.addCandidate(target, candidate, state.ignoreOffer);
  }

  private *addCandidate({ port }: Target, candidate: IceCandidate | null, ignoring: boolean): StepBody {
    try {
      yield* wait(port.addIceCandidate(candidate));
    } catch (error) {
      // a candidate of an offer we ignored cannot be added; only then is the failure expected
      if (!ignoring) throw error;
    }
  }

  /** An offer from a connection the peer rebuilt: rebuild ours, so the offer meets a fresh one. */
  private followRebuiltPeer(description: SdpDescription): void {
    const target = this.current!;
    const { port } = target;
    if (description.type !== 'offer' || !port.rebuild) return;
    const ours = port.remoteFingerprint?.() ?? null;
    // the first offer meets no remote description: nothing to compare, no SDP to scan
    if (ours === null) return;
    const theirs = sdpFingerprint(description.sdp);
    if (theirs === null || ours === theirs) return;
    this.following = true;
    try {
      port.rebuild();
    } catch (error) {
      // the offer still goes to the connection we have, and fails there if it must
      this.fail(target, error, 'rebuilding the connection');
    } finally {
      this.following = false;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
