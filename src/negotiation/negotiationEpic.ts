import { asyncScheduler, BehaviorSubject, Observable, Subject, Subscription, type SchedulerLike } from 'rxjs';
import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import type { NegotiationInput, NegotiationOutput, PeerAdded, RemoteInput } from './actions';
import { negotiatePeer, type PerfectNegotiationState } from './negotiatePeer';
import type { NegotiationPort } from './port';

/** How long signalling about a peer nobody announced is kept, waiting for the announcement. */
export const ORPHAN_TIMEOUT_MS = 10_000;
/** How many peers that left are remembered, so late relays from them are dropped quietly. */
const DEPARTED_MEMORY = 256;

/** One peer's negotiation: its connection (a rebuilt one replaces it), its signalling input, its queue. */
interface Negotiation {
  readonly port$: BehaviorSubject<NegotiationPort>;
  readonly input: Subject<RemoteInput>;
  readonly subscription: Subscription;
}

/** What the epic depends on besides its actions. */
export interface NegotiationDeps {
  /** Scheduler of the orphan timeout (a TestScheduler in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** Overrides {@link ORPHAN_TIMEOUT_MS}. */
  readonly orphanTimeoutMs?: number;
  /** Overrides `ICE_DISCONNECTED_RESTART_MS`. */
  readonly disconnectedRestartMs?: number;
  /** Overrides `FIRST_OFFER_GRACE_MS`. */
  readonly firstOfferGraceMs?: number;
  /** Overrides `OFFERER_WAIT_MS`. */
  readonly offererWaitMs?: number;
  /** Overrides `HEADER_EXTENSION_LOCK_WAIT_MS`. */
  readonly headerExtensionLockWaitMs?: number;
  /** Called with each peer's negotiation state when it is created, and again for each rebuilt connection (tests and diagnostics). */
  readonly onPeerState?: (peer: PeerId, state: PerfectNegotiationState) => void;
}

/**
 * The perfect negotiation epic: negotiation inputs in, outputs out. Each peer's work runs in its
 * own queue ({@link negotiatePeer}); peers run in parallel. Signalling about a peer that has not
 * been announced yet is held until it is (or dropped with an `unknown-peer` error after
 * {@link ORPHAN_TIMEOUT_MS}); signalling from a peer that left is dropped. Nothing here throws:
 * every failure is a `negotiation-failed` output.
 *
 * A `peer-added` for a peer already under negotiation says its connection was rebuilt: the
 * peer's queue goes on with the new port (and a fresh state, same politeness); see
 * {@link negotiatePeer}.
 *
 * @example
 * ```ts
 * const actions = new Subject<NegotiationInput>();
 * negotiationEpic(actions).subscribe((output) => signals.send(...));
 * actions.next({ type: 'peer-added', peer: 'b', polite: true, port: peerConnectionPort(pc) });
 * ```
 */
export function negotiationEpic(action$: Observable<NegotiationInput>, deps: NegotiationDeps = {}): Observable<NegotiationOutput> {
  const scheduler = deps.scheduler ?? asyncScheduler;
  const orphanTimeoutMs = deps.orphanTimeoutMs ?? ORPHAN_TIMEOUT_MS;

  // a switch per action and a Map per peer, not an operator pipeline: every signalling message of
  // every peer passes here, on the page's one thread, while the whole mesh sets up
  return new Observable<NegotiationOutput>((output) => {
    /** Each peer under negotiation, by id: one lookup per action. */
    const peers = new Map<PeerId, Negotiation>();
    const departed = new Set<PeerId>();
    /** Signalling about a peer nobody announced yet, and the timer that drops it. */
    const orphans = new Map<PeerId, { readonly held: RemoteInput[]; readonly timeout: Subscription }>();
    let ended = false;
    const completeWhenIdle = (): void => {
      if (ended && peers.size === 0 && orphans.size === 0) output.complete();
    };

    /** Takes a peer's held signalling out, its timer stopped: announced, or gone. */
    const takeOrphans = (peer: PeerId): RemoteInput[] => {
      const orphan = orphans.get(peer);
      orphans.delete(peer);
      orphan?.timeout.unsubscribe();
      return orphan?.held ?? [];
    };

    const add = ({ peer, polite, port, firstOffer }: PeerAdded): void => {
      departed.delete(peer);
      // a known peer's connection was rebuilt: its queue goes on with the new port
      const known = peers.get(peer);
      if (known) {
        known.port$.next(port);
        return;
      }
      const held = takeOrphans(peer);
      const negotiation: Negotiation = { port$: new BehaviorSubject(port), input: new Subject<RemoteInput>(), subscription: new Subscription() };
      peers.set(peer, negotiation);
      // what came before the announcement goes first, then what comes from now on
      const remote$ = new Observable<RemoteInput>((subscriber) => {
        for (const input of held) subscriber.next(input);
        return negotiation.input.subscribe(subscriber);
      });
      negotiation.subscription.add(
        negotiatePeer(peer, negotiation.port$, remote$, polite, {
          scheduler,
          disconnectedRestartMs: deps.disconnectedRestartMs,
          firstOfferGraceMs: deps.firstOfferGraceMs,
          offererWaitMs: deps.offererWaitMs,
          firstOffer,
          headerExtensionLockWaitMs: deps.headerExtensionLockWaitMs,
          onState: (state) => deps.onPeerState?.(peer, state),
        }).subscribe({ next: (value) => output.next(value), error: (error: unknown) => output.error(error) }),
      );
    };

    const remove = (peer: PeerId): void => {
      takeOrphans(peer);
      departed.add(peer);
      if (departed.size > DEPARTED_MEMORY) departed.delete(departed.values().next().value!);
      const negotiation = peers.get(peer);
      if (!negotiation) return;
      peers.delete(peer);
      negotiation.subscription.unsubscribe();
      negotiation.port$.complete();
      negotiation.input.complete();
    };

    const route = (input: RemoteInput): void => {
      const negotiation = peers.get(input.peer);
      if (negotiation) return negotiation.input.next(input);
      if (departed.has(input.peer)) return;
      const orphan = orphans.get(input.peer);
      if (orphan) {
        orphan.held.push(input);
        return;
      }
      const { peer } = input;
      orphans.set(peer, {
        held: [input],
        timeout: scheduler.schedule(() => {
          const dropped = orphans.get(peer)?.held.length ?? 0;
          orphans.delete(peer);
          output.next({
            type: 'negotiation-failed',
            peer,
            error: new RtcPoolError('unknown-peer', `dropped ${dropped} signalling message(s) from unknown peer ${peer}`, { peer }),
          });
          completeWhenIdle();
        }, orphanTimeoutMs),
      });
    };

    const actions = action$.subscribe({
      next: (action) => {
        if (action.type === 'peer-added') add(action);
        else if (action.type === 'peer-removed') remove(action.peer);
        else route(action);
      },
      error: (error: unknown) => output.error(error),
      complete: () => {
        ended = true;
        completeWhenIdle();
      },
    });
    return () => {
      actions.unsubscribe();
      for (const peer of [...peers.keys()]) remove(peer);
      for (const { timeout } of orphans.values()) timeout.unsubscribe();
      orphans.clear();
    };
  });
}
