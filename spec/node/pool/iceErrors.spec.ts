import { expect } from 'chai';
import { connectionFailures, iceErrorCause, iceServerErrors } from '../../../src/iceErrors';
import type { RtcPoolError } from '../../../src/errors';

/** Just enough of an RTCPeerConnection: its events and its connectionState. */
class FakePeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';
  go(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
  candidateError(url: string, errorCode: number, errorText: string): void {
    this.dispatchEvent(Object.assign(new Event('icecandidateerror'), { url, errorCode, errorText, address: '0.0.0.x', port: 9 }));
  }
}

describe('iceErrors', () => {
  it('connectionFailures: one connection-failed each time the connection goes to failed, naming the peer', () => {
    const pc = new FakePeerConnection();
    const errors: RtcPoolError[] = [];
    const subscription = connectionFailures(pc as unknown as RTCPeerConnection, 'peer-1').subscribe((error) => errors.push(error));
    for (const state of ['connecting', 'failed', 'failed', 'connecting', 'connected', 'disconnected', 'failed'] as const) pc.go(state);
    subscription.unsubscribe();
    pc.go('connecting');
    pc.go('failed');
    expect(errors.map((error) => [error.code, error.peer])).to.deep.equal([
      ['connection-failed', 'peer-1'],
      ['connection-failed', 'peer-1'],
    ]);
  });

  it('iceServerErrors: an ice-server error with the URL, the numeric code as reason and the error text', () => {
    const pc = new FakePeerConnection();
    const errors: RtcPoolError[] = [];
    iceServerErrors(pc as unknown as RTCPeerConnection, 'peer-2').subscribe((error) => errors.push(error));
    pc.candidateError('turn:127.0.0.1:3478?transport=udp', 401, 'Unauthorized');
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ code: 'ice-server', reason: '401', url: 'turn:127.0.0.1:3478?transport=udp', peer: 'peer-2' });
    expect(errors[0]!.message).to.contain('Unauthorized');
  });

  it('iceErrorCause: the same server failing the same way is one cause, whatever the peer', () => {
    const pc = new FakePeerConnection();
    const errors: RtcPoolError[] = [];
    for (const peer of ['a', 'b']) iceServerErrors(pc as unknown as RTCPeerConnection, peer).subscribe((error) => errors.push(error));
    pc.candidateError('turn:h:3478', 401, 'Unauthorized');
    pc.candidateError('turn:h:3478', 701, 'unreachable');
    expect(new Set(errors.map(iceErrorCause)).size).to.equal(2);
    expect(errors.length).to.equal(4);
  });
});
