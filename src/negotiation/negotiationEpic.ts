import {
  asyncScheduler,
  BehaviorSubject,
  concat,
  defer,
  EMPTY,
  filter,
  finalize,
  from,
  ignoreElements,
  map,
  merge,
  mergeMap,
  share,
  Subject,
  takeUntil,
  tap,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { RtcPoolError } from '../errors';
import type { PeerId } from '../signalling/messages';
import {
  isRemoteInput,
  type NegotiationInput,
  type NegotiationOutput,
  type PeerAdded,
  type RemoteInput,
} from './actions';
import { negotiatePeer, type PerfectNegotiationState } from './negotiatePeer';
import type { NegotiationPort } from './port';

/** How long signalling about a peer nobody announced is kept, waiting for the announcement. */
export const ORPHAN_TIMEOUT_MS = 10_000;
/** How many peers that left are remembered, so late relays from them are dropped quietly. */
const DEPARTED_MEMORY = 256;

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

  return defer(() => {
    const known = new Set<PeerId>();
    const departed = new Set<PeerId>();
    const orphans = new Map<PeerId, RemoteInput[]>();
    /** The connection of each peer under negotiation; a new one replaces it when it is rebuilt. */
    const ports = new Map<PeerId, BehaviorSubject<NegotiationPort>>();
    /**
     * Each peer's own input, routed by id: one lookup per action, where a filter per peer would
     * run every peer's test for every action (a cost that grows with the mesh, for every message).
     */
    const routes = new Map<PeerId, { readonly input: Subject<RemoteInput>; readonly removed: Subject<void> }>();
    const actions$ = action$.pipe(share());
    const added$ = (peer: PeerId): Observable<unknown> =>
      actions$.pipe(filter((action) => action.type === 'peer-added' && action.peer === peer));

    // subscribed first, so every other branch sees the peer sets as of the current action
    const bookkeeping$ = actions$.pipe(
      tap((action) => {
        if (action.type === 'peer-added') {
          known.add(action.peer);
          departed.delete(action.peer);
        } else if (action.type === 'peer-removed') {
          known.delete(action.peer);
          orphans.delete(action.peer);
          departed.add(action.peer);
          if (departed.size > DEPARTED_MEMORY) departed.delete(departed.values().next().value!);
          routes.get(action.peer)?.removed.next();
        } else {
          routes.get(action.peer)?.input.next(action);
        }
      }),
      ignoreElements(),
    );

    const peers$ = actions$.pipe(
      filter((action): action is PeerAdded => action.type === 'peer-added'),
      mergeMap(({ peer, polite, port }) => {
        // a known peer's connection was rebuilt: its queue goes on with the new port
        const known = ports.get(peer);
        if (known) {
          known.next(port);
          return EMPTY;
        }
        const port$ = new BehaviorSubject(port);
        ports.set(peer, port$);
        const route = { input: new Subject<RemoteInput>(), removed: new Subject<void>() };
        routes.set(peer, route);
        const held = orphans.get(peer) ?? [];
        orphans.delete(peer);
        const remote$ = concat(from(held), route.input);
        return negotiatePeer(peer, port$, remote$, polite, {
          scheduler,
          disconnectedRestartMs: deps.disconnectedRestartMs,
          firstOfferGraceMs: deps.firstOfferGraceMs,
          headerExtensionLockWaitMs: deps.headerExtensionLockWaitMs,
          onState: (state) => deps.onPeerState?.(peer, state),
        }).pipe(
          takeUntil(route.removed),
          finalize(() => {
            if (ports.get(peer) === port$) ports.delete(peer);
            if (routes.get(peer) === route) routes.delete(peer);
            port$.complete();
            route.input.complete();
          }),
        );
      }),
    );

    const orphans$ = actions$.pipe(
      filter(isRemoteInput),
      filter((action) => !known.has(action.peer) && !departed.has(action.peer)),
      mergeMap((action) => {
        const held = orphans.get(action.peer);
        if (held) {
          held.push(action);
          return EMPTY;
        }
        orphans.set(action.peer, [action]);
        return timer(orphanTimeoutMs, scheduler).pipe(
          takeUntil(added$(action.peer)),
          filter(() => orphans.has(action.peer)),
          map((): NegotiationOutput => {
            const dropped = orphans.get(action.peer)!.length;
            orphans.delete(action.peer);
            return {
              type: 'negotiation-failed',
              peer: action.peer,
              error: new RtcPoolError('unknown-peer', `dropped ${dropped} signalling message(s) from unknown peer ${action.peer}`, {
                peer: action.peer,
              }),
            };
          }),
        );
      }),
    );

    return merge(bookkeeping$, peers$, orphans$);
  });
}
