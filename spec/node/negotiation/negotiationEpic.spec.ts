import { expect } from 'chai';
import { map, merge, NEVER, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { FirstOfferHint, NegotiationInput, NegotiationOutput } from '../../../src/negotiation/actions';
import { negotiationEpic, ORPHAN_TIMEOUT_MS } from '../../../src/negotiation/negotiationEpic';
import { FIRST_OFFER_GRACE_MS, ICE_DISCONNECTED_RESTART_MS, OFFERER_WAIT_MS, type PerfectNegotiationState } from '../../../src/negotiation/negotiatePeer';
import type { NegotiationPort } from '../../../src/negotiation/port';
import type { IceCandidate, SdpDescription } from '../../../src/signalling/messages';
import { ANSWER, C1, C2, FakePort, OFFER, REMOTE_ANSWER, REMOTE_OFFER } from './fakePort';

/** The `hot` helper of TestScheduler.run. */
type Hot = Parameters<Parameters<TestScheduler['run']>[0]>[0]['hot'];

const added = (peer: string, port: NegotiationPort, polite = false, firstOffer?: FirstOfferHint): NegotiationInput => ({
  type: 'peer-added',
  peer,
  polite,
  port,
  firstOffer,
});
const offerFrom = (peer: string, description = REMOTE_OFFER): NegotiationInput => ({ type: 'remote-description', peer, description });
const candidateFrom = (peer: string, candidate: IceCandidate | null): NegotiationInput => ({ type: 'remote-candidate', peer, candidate });
const sendDescription = (peer: string, description: SdpDescription): NegotiationOutput => ({ type: 'send-description', peer, description });

describe('negotiationEpic', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('makes an offer on negotiationneeded and sends it, with makingOffer set meanwhile', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const port = new FakePort(hot('--n'));
      const states: PerfectNegotiationState[] = [];
      const seen: boolean[] = [];
      const action$ = hot<NegotiationInput>('a', { a: added('b', port) });
      expectObservable(negotiationEpic(action$, { onPeerState: (_, s) => states.push(s) })).toBe('---o', {
        o: sendDescription('b', OFFER),
      });
      // hot marbles are set up at flush in creation order: this one looks right after 'n'
      hot('--x').subscribe(() => seen.push(states[0]!.makingOffer));
      flush();
      expect(seen).to.deep.equal([true]);
      expect(states[0]!.makingOffer).to.equal(false);
    });
  });

  it('answers a remote offer in stable', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const port = new FakePort();
      const action$ = hot<NegotiationInput>('a-o', { a: added('b', port, true), o: offerFrom('b') });
      expectObservable(negotiationEpic(action$)).toBe('----x', { x: sendDescription('b', ANSWER) });
    });
  });

  it('sends local candidates at once, end-of-candidates included', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const port = new FakePort(NEVER, hot('-c-e', { c: C1, e: null }));
      const action$ = hot<NegotiationInput>('a', { a: added('b', port) });
      expectObservable(negotiationEpic(action$)).toBe('-c-e', {
        c: { type: 'send-candidate', peer: 'b', candidate: C1 },
        e: { type: 'send-candidate', peer: 'b', candidate: null },
      });
    });
  });

  describe('glare', () => {
    it('impolite: ignores an offer that collides with its own, and swallows that offer\'s candidates', () => {
      scheduler.run(({ hot, expectObservable, flush }) => {
        const port = new FakePort(hot('-n'));
        port.remote = REMOTE_ANSWER; // an earlier negotiation left a remote description
        const states: PerfectNegotiationState[] = [];
        const action$ = hot<NegotiationInput>('a-oc', {
          a: added('b', port, false),
          o: offerFrom('b'),
          c: candidateFrom('b', { candidate: 'stale' }),
        });
        expectObservable(negotiationEpic(action$, { onPeerState: (_, s) => states.push(s) })).toBe('--x', {
          x: sendDescription('b', OFFER),
        });
        flush();
        expect(states[0]!.ignoreOffer).to.equal(true);
        expect(port.log).to.deep.equal(['local offer']);
        expect(port.state).to.equal('have-local-offer');
      });
    });

    it('polite, on an established connection: rolls back its own offer implicitly and answers the peer\'s', () => {
      scheduler.run(({ hot, expectObservable, flush }) => {
        const port = new FakePort(hot('-n'));
        port.remote = REMOTE_ANSWER; // an earlier negotiation left a remote description
        const action$ = hot<NegotiationInput>('a-o', { a: added('b', port, true), o: offerFrom('b') });
        expectObservable(negotiationEpic(action$)).toBe('--x-y', {
          x: sendDescription('b', OFFER),
          y: sendDescription('b', ANSWER),
        });
        flush();
        expect(port.log).to.deep.equal(['local offer', 'rollback', 'remote offer', 'local answer']);
        expect(port.state).to.equal('stable');
      });
    });

    /** Two epics wired to each other as the server would relay, each over its own fake port. */
    function pair(hot: Hot, established: boolean, politeUnanswerable = false): [FakePort, FakePort] {
      const polite = new FakePort(hot<void>('-n'));
      const impolite = new FakePort(hot<void>('-n'));
      polite.unanswerable = politeUnanswerable;
      if (established) polite.remote = impolite.remote = REMOTE_ANSWER;
      const politeIn = new Subject<NegotiationInput>();
      const impoliteIn = new Subject<NegotiationInput>();
      const relayTo = (into: Subject<NegotiationInput>, from: string) => (output: NegotiationOutput) => {
        if (output.type === 'send-description') into.next({ type: 'remote-description', peer: from, description: output.description });
      };
      negotiationEpic(merge(hot<NegotiationInput>('a', { a: added('impolite', polite, true) }), politeIn)).subscribe(
        relayTo(impoliteIn, 'polite'),
      );
      negotiationEpic(merge(hot<NegotiationInput>('a', { a: added('polite', impolite, false) }), impoliteIn)).subscribe(
        relayTo(politeIn, 'impolite'),
      );
      return [polite, impolite];
    }

    it('on an established connection, both sides end in stable when each offers at the same instant', () => {
      scheduler.run(({ hot, flush }) => {
        const [polite, impolite] = pair(hot, true);
        flush();
        expect([polite.state, impolite.state]).to.deep.equal(['stable', 'stable']);
        expect(polite.log).to.deep.equal(['local offer', 'rollback', 'remote offer', 'local answer']);
        expect(impolite.log).to.deep.equal(['local offer', 'remote answer']);
      });
    });

    it('on a new connection, the polite side holds its first offer and drops it once it answers the older peer\'s: one offer, one answer', () => {
      scheduler.run(({ hot, flush }) => {
        const [polite, impolite] = pair(hot, false);
        flush();
        expect([polite.state, impolite.state]).to.deep.equal(['stable', 'stable']);
        // no rollback of a first offer (which Chromium gets wrong), and no offer back after the answer
        expect(polite.log).to.deep.equal(['remote offer', 'local answer']);
        expect(impolite.log).to.deep.equal(['local offer', 'remote answer']);
      });
    });

    it('the held offer does not go out when the grace is up after the answer', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('-n'));
        const action$ = hot<NegotiationInput>('a--o', { a: added('b', port, true), o: offerFrom('b') });
        expectObservable(negotiationEpic(action$)).toBe('-----x', { x: sendDescription('b', ANSWER) });
      });
    });

    it('a newcomer with a change the older peer\'s offer cannot take in offers it once, when the browser asks again after the answer', () => {
      scheduler.run(({ hot, flush }) => {
        const [polite, impolite] = pair(hot, false, true);
        flush();
        expect([polite.state, impolite.state]).to.deep.equal(['stable', 'stable']);
        expect(polite.log).to.deep.equal(['remote offer', 'local answer', 'local offer', 'remote answer']);
        expect(impolite.log).to.deep.equal(['local offer', 'remote answer', 'remote offer', 'local answer']);
      });
    });

    it(`a polite peer offers after FIRST_OFFER_GRACE_MS (${FIRST_OFFER_GRACE_MS} ms) when the older peer does not`, () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('-n'));
        const action$ = hot<NegotiationInput>('a', { a: added('b', port, true) });
        expectObservable(negotiationEpic(action$)).toBe(`-- ${FIRST_OFFER_GRACE_MS}ms x`, { x: sendDescription('b', OFFER) });
      });
    });
  });

  describe('the first offer at a distance', () => {
    const RTT = 300;

    it('a polite peer not told that the older peer offers holds its first offer for the grace and two round trips to the server', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('-n'));
        const action$ = hot<NegotiationInput>('a', { a: added('b', port, true, { peerOffers: false, roundTripMs: RTT }) });
        expectObservable(negotiationEpic(action$)).toBe(`-- ${FIRST_OFFER_GRACE_MS + 2 * RTT}ms x`, { x: sendDescription('b', OFFER) });
      });
    });

    it('the older peer\'s offer, coming one round trip after the join, is answered and the held offer dropped: one offer, one answer', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('-n'));
        const action$ = hot<NegotiationInput>(`a ${RTT}ms o`, { a: added('b', port, true, { peerOffers: false, roundTripMs: RTT }), o: offerFrom('b') });
        expectObservable(negotiationEpic(action$)).toBe(`${RTT + 3}ms x`, { x: sendDescription('b', ANSWER) });
      });
    });

    it('a polite newcomer waits for a listed offerer\'s offer however late it comes, and only answers it', () => {
      scheduler.run(({ hot, expectObservable, flush }) => {
        const port = new FakePort(hot('-n'));
        const late = OFFERER_WAIT_MS - 100;
        const action$ = hot<NegotiationInput>(`a ${late}ms o`, { a: added('b', port, true, { peerOffers: true, roundTripMs: 0 }), o: offerFrom('b') });
        expectObservable(negotiationEpic(action$)).toBe(`${late + 3}ms x`, { x: sendDescription('b', ANSWER) });
        flush();
        expect(port.log).to.deep.equal(['remote offer', 'local answer']);
      });
    });

    it(`a polite newcomer offers after OFFERER_WAIT_MS (${OFFERER_WAIT_MS} ms) if the listed offerer's offer never comes`, () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('-n'));
        const action$ = hot<NegotiationInput>('a', { a: added('b', port, true, { peerOffers: true, roundTripMs: RTT }) });
        expectObservable(negotiationEpic(action$)).toBe(`-- ${OFFERER_WAIT_MS}ms x`, { x: sendDescription('b', OFFER) });
      });
    });

    it('a rebuilt connection to a listed offerer holds its first offer only for the grace and two round trips: the peer owes it no offer', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const first = new FakePort();
        const rebuilt = new FakePort(hot('-- 100ms n'));
        const hint: FirstOfferHint = { peerOffers: true, roundTripMs: RTT };
        const action$ = hot<NegotiationInput>('a 50ms r', { a: added('b', first, true, hint), r: added('b', rebuilt, true, hint) });
        expectObservable(negotiationEpic(action$)).toBe(`${103 + FIRST_OFFER_GRACE_MS + 2 * RTT}ms x`, { x: sendDescription('b', OFFER) });
      });
    });
  });

  describe('candidates', () => {
    it('holds candidates that come before the remote description, and adds them after it', () => {
      scheduler.run(({ hot, flush }) => {
        const port = new FakePort();
        const action$ = hot<NegotiationInput>('a-cdo', { a: added('b', port, true), c: candidateFrom('b', C1), d: candidateFrom('b', C2), o: offerFrom('b') });
        negotiationEpic(action$).subscribe();
        flush();
        expect(port.added).to.deep.equal([C1, C2]);
        expect(port.log).to.deep.equal(['remote offer', 'local answer']);
      });
    });

    it('reports a candidate that fails when no offer is being ignored, and goes on', () => {
      scheduler.run(({ hot, expectObservable, flush }) => {
        const port = new FakePort();
        port.remote = REMOTE_OFFER;
        const action$ = hot<NegotiationInput>('a-sc', { a: added('b', port), s: candidateFrom('b', { candidate: 'stale' }), c: candidateFrom('b', C1) });
        const outputs: NegotiationOutput[] = [];
        negotiationEpic(action$).subscribe((o) => outputs.push(o));
        flush();
        expect(outputs.map((o) => o.type)).to.deep.equal(['negotiation-failed']);
        expect(port.added).to.deep.equal([C1]);
        expectObservable(NEVER).toBe('-');
      });
    });
  });

  describe('failures', () => {
    it('turns a failed step into negotiation-failed and keeps the queue going', () => {
      scheduler.run(({ hot, flush }) => {
        const port = new FakePort();
        port.rejectRemote.add('broken');
        const action$ = hot<NegotiationInput>('a-bo', {
          a: added('b', port, true),
          b: offerFrom('b', { type: 'offer', sdp: 'broken' }),
          o: offerFrom('b'),
        });
        const outputs: NegotiationOutput[] = [];
        negotiationEpic(action$).subscribe((o) => outputs.push(o));
        flush();
        expect(outputs.map((o) => o.type)).to.deep.equal(['negotiation-failed', 'send-description']);
        const failure = outputs[0] as Extract<NegotiationOutput, { type: 'negotiation-failed' }>;
        expect(failure.error.code).to.equal('negotiation-failed');
        expect(failure.error.peer).to.equal('b');
      });
    });

    it('restarts ICE when the ICE connection fails', () => {
      scheduler.run(({ hot, flush }) => {
        const port = new FakePort(NEVER, NEVER, hot('-c-d-f', { c: 'checking', d: 'disconnected', f: 'failed' }));
        negotiationEpic(hot<NegotiationInput>('a', { a: added('b', port) })).subscribe();
        flush();
        expect(port.restarts).to.equal(1);
      });
    });
  });

  describe('ICE recovery', () => {
    it(`restarts ICE when disconnected lasts ${ICE_DISCONNECTED_RESTART_MS} ms`, () => {
      scheduler.run(({ hot, flush }) => {
        const port = new FakePort(NEVER, NEVER, hot('-d', { d: 'disconnected' }));
        negotiationEpic(hot<NegotiationInput>('a', { a: added('b', port) })).subscribe();
        scheduler.schedule(() => expect(port.restarts).to.equal(0), ICE_DISCONNECTED_RESTART_MS);
        flush();
        expect(port.restarts).to.equal(1);
      });
    });

    it('does not restart when the connection comes back before the threshold', () => {
      scheduler.run(({ hot, flush }) => {
        const back = `-d ${ICE_DISCONNECTED_RESTART_MS - 10}ms c`;
        const port = new FakePort(NEVER, NEVER, hot(back, { d: 'disconnected', c: 'connected' }));
        negotiationEpic(hot<NegotiationInput>('a', { a: added('b', port) })).subscribe();
        flush();
        expect(port.restarts).to.equal(0);
      });
    });

    it('follows a configured threshold', () => {
      scheduler.run(({ hot, flush }) => {
        const port = new FakePort(NEVER, NEVER, hot('-d', { d: 'disconnected' }));
        negotiationEpic(hot<NegotiationInput>('a', { a: added('b', port) }), { disconnectedRestartMs: 5 }).subscribe();
        scheduler.schedule(() => expect(port.restarts).to.equal(1), 7);
        flush();
      });
    });
  });

  describe('peers', () => {
    it('runs the work of two peers in parallel and of one peer in order', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const b = new FakePort();
        const c = new FakePort();
        const action$ = hot<NegotiationInput>('(ab)(xy)', {
          a: added('b', b, true),
          b: added('c', c, true),
          x: offerFrom('b'),
          y: offerFrom('c'),
        });
        expectObservable(negotiationEpic(action$)).toBe('------(xy)', { x: sendDescription('b', ANSWER), y: sendDescription('c', ANSWER) });
      });
    });

    it('holds signalling for a peer not announced yet, and negotiates once it is', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort();
        const action$ = hot<NegotiationInput>('oc-a', { o: offerFrom('b'), c: candidateFrom('b', C1), a: added('b', port, false) });
        expectObservable(negotiationEpic(action$)).toBe('-----x', { x: sendDescription('b', ANSWER) });
      });
    });

    it('drops signalling for a peer never announced with one unknown-peer error', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const action$ = hot<NegotiationInput>('oc', { o: offerFrom('ghost'), c: candidateFrom('ghost', C1) });
        const outputs = negotiationEpic(action$).pipe(map((o) => (o.type === 'negotiation-failed' ? `${o.error.code} ${o.error.peer}` : o.type)));
        expectObservable(outputs).toBe(`${ORPHAN_TIMEOUT_MS}ms x`, { x: 'unknown-peer ghost' });
      });
    });

    it('stops a removed peer\'s negotiation and drops late signalling from it quietly', () => {
      scheduler.run(({ hot, expectObservable }) => {
        const port = new FakePort(hot('---n'), hot('----c', { c: C1 }));
        const action$ = hot<NegotiationInput>('a-r-o', { a: added('b', port), r: { type: 'peer-removed', peer: 'b' }, o: offerFrom('b') });
        expectObservable(negotiationEpic(action$)).toBe('');
        expectObservable(port.negotiationNeeded$).toBe('---n');
      });
    });
  });
});
