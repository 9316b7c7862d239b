import { map, merge, NEVER, Observable, Subject, timer } from 'rxjs';
import type { NegotiationPort } from '../../../src/negotiation/port';
import type { IceCandidate, SdpDescription } from '../../../src/signalling/messages';

export const OFFER: SdpDescription = { type: 'offer', sdp: 'local-offer' };
export const ANSWER: SdpDescription = { type: 'answer', sdp: 'local-answer' };
export const REMOTE_OFFER: SdpDescription = { type: 'offer', sdp: 'remote-offer' };
export const REMOTE_ANSWER: SdpDescription = { type: 'answer', sdp: 'remote-answer' };
export const C1: IceCandidate = { candidate: 'c1', sdpMid: '0', sdpMLineIndex: 0 };
export const C2: IceCandidate = { candidate: 'c2', sdpMid: '0', sdpMLineIndex: 0 };

/**
 * A fake RTCPeerConnection behind the port: the signalling state machine of JSEP, each operation
 * taking one frame, with an implicit rollback when a remote offer meets a local one. `unanswerable`
 * stands for a local change a remote offer cannot take in (a track the offer has no m-line for):
 * as W3C webrtc-pc says, making an answer then leaves the negotiation-needed flag set, and the
 * fake fires `negotiationneeded` again one frame after it; a local offer carries it.
 */
export class FakePort implements NegotiationPort {
  state: RTCSignalingState = 'stable';
  unanswerable = false;
  readonly negotiationNeeded$: Observable<void>;
  private readonly refired = new Subject<void>();
  remote: SdpDescription | null = null;
  readonly log: string[] = [];
  readonly added: Array<IceCandidate | null> = [];
  restarts = 0;
  /** Descriptions whose setRemoteDescription fails. */
  readonly rejectRemote = new Set<string>();

  constructor(
    negotiationNeeded$: Observable<void> = NEVER,
    readonly localCandidate$: Observable<IceCandidate | null> = NEVER,
    readonly iceConnectionState$: Observable<RTCIceConnectionState> = NEVER,
  ) {
    this.negotiationNeeded$ = merge(negotiationNeeded$, this.refired);
  }

  signalingState = (): RTCSignalingState => this.state;
  hasRemoteDescription = (): boolean => this.remote !== null;

  setLocalDescription(): Observable<SdpDescription> {
    return timer(1).pipe(
      map(() => {
        if (this.state === 'stable') {
          this.state = 'have-local-offer';
          this.unanswerable = false;
          this.log.push('local offer');
          return OFFER;
        }
        if (this.state === 'have-remote-offer') {
          this.state = 'stable';
          this.log.push('local answer');
          if (this.unanswerable) timer(1).subscribe(() => this.refired.next());
          return ANSWER;
        }
        throw new Error(`InvalidStateError: setLocalDescription in ${this.state}`);
      }),
    );
  }

  setRemoteDescription(description: SdpDescription): Observable<void> {
    return timer(1).pipe(
      map(() => {
        if (this.rejectRemote.has(description.sdp ?? '')) throw new Error('OperationError: bad sdp');
        if (description.type === 'offer') {
          if (this.state === 'have-local-offer') this.log.push('rollback');
          this.state = 'have-remote-offer';
        } else if (description.type === 'answer') {
          if (this.state !== 'have-local-offer') throw new Error(`InvalidStateError: answer in ${this.state}`);
          this.state = 'stable';
        }
        this.remote = description;
        this.log.push(`remote ${description.type}`);
      }),
    );
  }

  addIceCandidate(candidate: IceCandidate | null): Observable<void> {
    return timer(1).pipe(
      map(() => {
        if (!this.remote) throw new Error('InvalidStateError: no remote description');
        if (candidate?.candidate === 'stale') throw new Error('OperationError: unknown ufrag');
        this.added.push(candidate);
      }),
    );
  }

  restartIce(): void {
    this.restarts += 1;
  }
}
