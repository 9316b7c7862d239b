import { expect } from 'chai';
import { map, merge, NEVER, Subject, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { NegotiationInput, NegotiationOutput } from '../../../src/negotiation/actions';
import { negotiationEpic } from '../../../src/negotiation/negotiationEpic';
import type { PerfectNegotiationState } from '../../../src/negotiation/negotiatePeer';
import type { NegotiationPort } from '../../../src/negotiation/port';
import { sdpFingerprint } from '../../../src/negotiation/sdpFingerprint';
import type { IceCandidate, SdpDescription } from '../../../src/signalling/messages';

/** A remote offer made by a connection whose certificate has fingerprint `fp`. */
const offerFrom = (fp: string): SdpDescription => ({ type: 'offer', sdp: `v=0\r\na=fingerprint:sha-256 ${fp}\r\nm=application 9\r\n` });
const ANSWER: SdpDescription = { type: 'answer', sdp: 'local-answer' };
const C1: IceCandidate = { candidate: 'c1', sdpMid: '0', sdpMLineIndex: 0 };

/**
 * A fake connection behind the port: JSEP's signalling states, each operation taking one frame,
 * the remote description's fingerprint, and a switch that closes it. `hang` makes every
 * operation never settle, as on a connection a browser closed underneath it.
 */
class FakePort implements NegotiationPort {
  state: RTCSignalingState = 'stable';
  remote: SdpDescription | null = null;
  isClosed = false;
  hang = false;
  readonly log: string[] = [];
  rebuildRequests = 0;
  readonly negotiationNeeded$: Observable<void> = NEVER;
  readonly localCandidate$: Observable<IceCandidate | null> = NEVER;
  readonly iceConnectionState$: Observable<RTCIceConnectionState> = NEVER;
  constructor(private readonly onRebuild: () => boolean = () => false) {}

  signalingState = (): RTCSignalingState => (this.isClosed ? 'closed' : this.state);
  hasRemoteDescription = (): boolean => this.remote !== null;
  remoteFingerprint = (): string | null => sdpFingerprint(this.remote?.sdp);
  closed = (): boolean => this.isClosed;
  rebuild = (): boolean => {
    this.rebuildRequests += 1;
    return this.onRebuild();
  };
  restartIce(): void {}

  private op<T>(work: () => T): Observable<T> {
    return this.hang ? NEVER : timer(1).pipe(map(work));
  }
  setLocalDescription(): Observable<SdpDescription> {
    return this.op(() => {
      if (this.isClosed) throw new Error('InvalidStateError: closed');
      if (this.state !== 'have-remote-offer') throw new Error(`unexpected setLocalDescription in ${this.state}`);
      this.state = 'stable';
      this.log.push('local answer');
      return ANSWER;
    });
  }
  setRemoteDescription(description: SdpDescription): Observable<void> {
    return this.op(() => {
      if (this.isClosed) throw new Error('InvalidStateError: closed');
      this.state = description.type === 'offer' ? 'have-remote-offer' : 'stable';
      this.remote = description;
      this.log.push(`remote ${description.type} ${sdpFingerprint(description.sdp)?.split(' ')[1]?.toUpperCase() ?? ''}`.trim());
    });
  }
  addIceCandidate(candidate: IceCandidate | null): Observable<void> {
    return this.op(() => {
      if (this.isClosed) throw new Error('InvalidStateError: closed');
      this.log.push(`candidate ${candidate?.candidate ?? 'end'}`);
    });
  }
}

const added = (port: NegotiationPort, polite = true): NegotiationInput => ({ type: 'peer-added', peer: 'b', polite, port });
const remote = (description: SdpDescription): NegotiationInput => ({ type: 'remote-description', peer: 'b', description });
const candidate = (c: IceCandidate | null): NegotiationInput => ({ type: 'remote-candidate', peer: 'b', candidate: c });
const answer: NegotiationOutput = { type: 'send-description', peer: 'b', description: ANSWER };

describe('negotiationEpic (rebuilt connections)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('moves a peer to its new port on a second peer-added: the stuck step is dropped, the unanswered offer replayed, the state fresh', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const dead = new FakePort();
      dead.hang = true;
      const fresh = new FakePort();
      const states: PerfectNegotiationState[] = [];
      const action$ = hot<NegotiationInput>('a-oc-n', { a: added(dead), o: remote(offerFrom('AA')), c: candidate(C1), n: added(fresh) });
      expectObservable(negotiationEpic(action$, { onPeerState: (_, s) => states.push(s) })).toBe('--------x', { x: answer });
      flush();
      expect(dead.log).to.deep.equal([]);
      // the candidate waited in the queue behind the stuck step: it goes to the new port, and waits there for the offer
      expect(fresh.log).to.deep.equal(['remote offer AA', 'candidate c1', 'local answer']);
      expect(states).to.have.length(2);
      expect(states[1]).to.not.equal(states[0]);
      expect(states[1]!.polite).to.equal(true);
      expect(states[1]!.unansweredOffer).to.equal(null);
    });
  });

  it('keeps what reaches a closed connection for the rebuilt one, and reports nothing that fails on it', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const dying = new FakePort();
      const fresh = new FakePort();
      const action$ = hot<NegotiationInput>('a-o-c--n', { a: added(dying), o: remote(offerFrom('AA')), c: candidate(C1), n: added(fresh) });
      // the connection dies while it applies the offer: the answer fails on it, quietly
      hot('--x').subscribe(() => (dying.isClosed = true));
      expectObservable(negotiationEpic(action$)).toBe('---------x', { x: answer });
      flush();
      expect(fresh.log).to.deep.equal(['remote offer AA', 'local answer', 'candidate c1']);
    });
  });

  it('replays nothing once the offer was answered: the peer follows the new connection by its fingerprint', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const first = new FakePort();
      const fresh = new FakePort();
      const action$ = hot<NegotiationInput>('a-o----n', { a: added(first), o: remote(offerFrom('AA')), n: added(fresh) });
      expectObservable(negotiationEpic(action$)).toBe('----x', { x: answer });
      flush();
      expect(fresh.log).to.deep.equal([]);
    });
  });

  for (const polite of [true, false]) {
    it(`follows a peer that rebuilt (${polite ? 'polite' : 'impolite'}): an offer with a new fingerprint goes to a new connection`, () => {
      scheduler.run(({ hot, expectObservable, flush }) => {
        const injected = new Subject<NegotiationInput>();
        const fresh = new FakePort();
        const old = new FakePort(() => {
          injected.next(added(fresh, polite));
          return true;
        });
        const action$ = merge(hot<NegotiationInput>('a-o---r', { a: added(old, polite), o: remote(offerFrom('AA')), r: remote(offerFrom('BB')) }), injected);
        expectObservable(negotiationEpic(action$)).toBe('----x---y', { x: answer, y: answer });
        flush();
        expect(old.rebuildRequests).to.equal(1);
        expect(old.log).to.deep.equal(['remote offer AA', 'local answer']);
        expect(fresh.log).to.deep.equal(['remote offer BB', 'local answer']);
        expect(fresh.rebuildRequests).to.equal(0);
      });
    });
  }

  it('treats the same fingerprint as a renegotiation of the connection it has', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const port = new FakePort(() => true);
      const action$ = hot<NegotiationInput>('a-o---r', { a: added(port), o: remote(offerFrom('AA')), r: remote(offerFrom('AA')) });
      expectObservable(negotiationEpic(action$)).toBe('----x---y', { x: answer, y: answer });
      flush();
      expect(port.rebuildRequests).to.equal(0);
      expect(port.log).to.deep.equal(['remote offer AA', 'local answer', 'remote offer AA', 'local answer']);
    });
  });

  it('applies the offer to the connection it has when no rebuild is left (as before rebuilds existed)', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const port = new FakePort(() => false);
      const action$ = hot<NegotiationInput>('a-o---r', { a: added(port), o: remote(offerFrom('AA')), r: remote(offerFrom('BB')) });
      expectObservable(negotiationEpic(action$)).toBe('----x---y', { x: answer, y: answer });
      flush();
      expect(port.rebuildRequests).to.equal(1);
      expect(port.log).to.deep.equal(['remote offer AA', 'local answer', 'remote offer BB', 'local answer']);
    });
  });

  it('never rebuilds for an answer, nor before any remote description is set', () => {
    scheduler.run(({ hot, expectObservable, flush }) => {
      const port = new FakePort(() => true);
      const action$ = hot<NegotiationInput>('a-o', { a: added(port), o: remote(offerFrom('BB')) });
      expectObservable(negotiationEpic(action$)).toBe('----x', { x: answer });
      flush();
      expect(port.rebuildRequests).to.equal(0);
    });
  });
});
