import { expect } from 'chai';
import { RTCPeerConnection } from '../../../src/node';
import { opened } from './support/linkedPair';

/** Waits two task turns: long enough for anything the bridge queues as a task. */
const tasks = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

/** Counts a connection's events by type. */
function counter(pc: RTCPeerConnection, ...types: string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(types.map((type) => [type, 0]));
  for (const type of types) pc.addEventListener(type, () => counts[type]++);
  return counts;
}

/** Plain offer/answer between two connections with trickled candidates, no epic. */
function trickle(from: RTCPeerConnection, to: RTCPeerConnection): void {
  from.addEventListener('icecandidate', (event) => {
    const { candidate } = event as RTCPeerConnectionIceEvent;
    void to.addIceCandidate(candidate?.toJSON() ?? null).catch(() => undefined);
  });
}

describe('RTCPeerConnection (rtcpool/node)', () => {
  const made: RTCPeerConnection[] = [];
  const make = (): RTCPeerConnection => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    made.push(pc);
    return pc;
  };

  afterEach(() => {
    for (const pc of made.splice(0)) pc.close();
  });

  it('fires negotiationneeded once, in a later task, for the first data channel only', async () => {
    const pc = make();
    const counts = counter(pc, 'negotiationneeded');
    pc.createDataChannel('first');
    expect(counts.negotiationneeded).to.equal(0);
    await tasks();
    expect(counts.negotiationneeded).to.equal(1);
    pc.createDataChannel('second');
    pc.createDataChannel('control', { negotiated: true, id: 1023 });
    await tasks();
    expect(counts.negotiationneeded).to.equal(1);
  });

  it('fires negotiationneeded again when a rollback returns to stable with the need unmet', async () => {
    const pc = make();
    const counts = counter(pc, 'negotiationneeded');
    pc.createDataChannel('chat');
    await tasks();
    await pc.setLocalDescription();
    expect(pc.signalingState).to.equal('have-local-offer');
    await pc.setLocalDescription({ type: 'rollback' });
    expect(pc.signalingState).to.equal('stable');
    expect(pc.localDescription).to.equal(null);
    await tasks();
    expect(counts.negotiationneeded).to.equal(2);
  });

  it('fires no negotiationneeded outside stable, nor after an answer that covers the channel', async () => {
    const offerer = make();
    const answerer = make();
    const counts = counter(answerer, 'negotiationneeded');
    offerer.createDataChannel('chat');
    await offerer.setLocalDescription();
    await answerer.setRemoteDescription(offerer.localDescription!.toJSON());
    answerer.createDataChannel('late');
    await tasks();
    expect(counts.negotiationneeded).to.equal(0);
    await answerer.setLocalDescription();
    await tasks();
    expect(answerer.signalingState).to.equal('stable');
    expect(counts.negotiationneeded).to.equal(0);
  });

  it('makes the offer or answer the state calls for with an argument-less setLocalDescription()', async () => {
    const offerer = make();
    const answerer = make();
    expect(offerer.localDescription).to.equal(null);
    expect(offerer.remoteDescription).to.equal(null);
    offerer.createDataChannel('chat');
    await offerer.setLocalDescription();
    const offer = offerer.localDescription!.toJSON();
    expect(offer.type).to.equal('offer');
    expect(offer.sdp).to.match(/^m=application /m);
    expect(offerer.pendingLocalDescription!.type).to.equal('offer');
    await answerer.setRemoteDescription(offer);
    expect(answerer.signalingState).to.equal('have-remote-offer');
    await answerer.setLocalDescription();
    expect(answerer.localDescription!.type).to.equal('answer');
    expect(answerer.signalingState).to.equal('stable');
    await offerer.setRemoteDescription(answerer.localDescription!.toJSON());
    expect(offerer.signalingState).to.equal('stable');
    expect(offerer.currentRemoteDescription!.type).to.equal('answer');
  });

  it('rolls a local offer back implicitly when a remote offer arrives (the polite side in glare), and connects', async () => {
    const polite = make();
    const impolite = make();
    trickle(polite, impolite);
    trickle(impolite, polite);
    const fromPolite = polite.createDataChannel('from-polite');
    const fromImpolite = impolite.createDataChannel('from-impolite');
    await Promise.all([polite.setLocalDescription(), impolite.setLocalDescription()]);
    await polite.setRemoteDescription(impolite.localDescription!.toJSON());
    expect(polite.signalingState).to.equal('have-remote-offer');
    await polite.setLocalDescription();
    await impolite.setRemoteDescription(polite.localDescription!.toJSON());
    expect([polite.signalingState, impolite.signalingState]).to.deep.equal(['stable', 'stable']);
    await Promise.all([opened(fromPolite), opened(fromImpolite)]);
  });

  it('refuses what libdatachannel cannot do with an error whose code is unsupported', async () => {
    const pc = make();
    for (const call of [() => pc.restartIce(), () => pc.addTrack(), () => pc.addTransceiver(), () => pc.setConfiguration()]) {
      expect(call).to.throw().with.property('code', 'unsupported');
    }
    for (const call of [() => pc.createOffer(), () => pc.createAnswer(), () => pc.setLocalDescription({ type: 'offer', sdp: 'v=0\r\n' })]) {
      const error: unknown = await call().then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).to.have.property('code', 'unsupported');
    }
    expect(pc.getSenders()).to.deep.equal([]);
  });

  it('rejects a remote description without sdp, and candidates before any remote description', async () => {
    const pc = make();
    const error = await pc.setRemoteDescription({ type: 'offer', sdp: '' }).catch((failure: unknown) => failure);
    expect(error).to.have.property('name', 'InvalidAccessError');
    const early = await pc.addIceCandidate({ candidate: 'candidate:1 1 UDP 1 127.0.0.1 9 typ host', sdpMid: '0' }).catch((failure: unknown) => failure);
    expect(early).to.have.property('name', 'InvalidStateError');
    expect(pc.remoteDescription).to.equal(null);
  });

  it('holds local candidates until a remote description is set, then hands them out with one final null', async () => {
    const offerer = make();
    const answerer = make();
    const seen: Array<string | null> = [];
    offerer.addEventListener('icecandidate', (event) => seen.push((event as RTCPeerConnectionIceEvent).candidate?.candidate ?? null));
    offerer.createDataChannel('chat');
    await offerer.setLocalDescription();
    await until(() => offerer.iceGatheringState === 'complete', 'gathering');
    await tasks();
    expect(seen).to.deep.equal([]);
    expect(offerer.localDescription!.sdp).not.to.match(/^a=candidate/m);
    await answerer.setRemoteDescription(offerer.localDescription!.toJSON());
    await answerer.setLocalDescription();
    await offerer.setRemoteDescription(answerer.localDescription!.toJSON());
    await until(() => seen.at(-1) === null, 'the final null candidate');
    expect(seen.length).to.be.greaterThan(1);
    expect(seen.at(-1)).to.equal(null);
    expect(seen.slice(0, -1).every((candidate) => typeof candidate === 'string' && candidate.startsWith('candidate:'))).to.equal(true);
    expect(offerer.localDescription!.sdp).to.match(/^a=candidate/m);
  });

  it('reports connection, ICE and signalling states with one change event each', async () => {
    const offerer = make();
    const answerer = make();
    trickle(offerer, answerer);
    trickle(answerer, offerer);
    const signalling: string[] = [];
    const connection: string[] = [];
    offerer.addEventListener('signalingstatechange', () => signalling.push(offerer.signalingState));
    offerer.addEventListener('connectionstatechange', () => connection.push(offerer.connectionState));
    const chat = offerer.createDataChannel('chat');
    await offerer.setLocalDescription();
    await answerer.setRemoteDescription(offerer.localDescription!.toJSON());
    await answerer.setLocalDescription();
    await offerer.setRemoteDescription(answerer.localDescription!.toJSON());
    await opened(chat);
    await until(() => connection.includes('connected'), 'connectionstatechange to connected');
    expect(offerer.iceConnectionState).to.equal('connected');
    // one event per change: new -> connecting -> connected at most, stable -> have-local-offer -> stable
    expect(connection.length).to.be.within(1, 2);
    expect(signalling).to.have.length(2);
    expect(signalling.at(-1)).to.equal('stable');
  });

  it('fires open for every channel, received or negotiated, created before or after connecting', async () => {
    const a = make();
    const b = make();
    trickle(a, b);
    trickle(b, a);
    const received: RTCDataChannel[] = [];
    b.addEventListener('datachannel', (event) => received.push((event as RTCDataChannelEvent).channel));
    const first = a.createDataChannel('first');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!.toJSON());
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!.toJSON());
    await opened(first);
    const later: RTCDataChannel[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(a.createDataChannel(`later-${i}`));
      later.push(a.createDataChannel(`negotiated-${i}`, { negotiated: true, id: 100 + i }));
      later.push(b.createDataChannel(`negotiated-${i}`, { negotiated: true, id: 100 + i }));
    }
    await Promise.all(later.map((channel) => opened(channel)));
    await until(() => received.length === 21, '21 received channels');
    // open fires after datachannel, so a listener added in the handler sees it: opened() waits for it
    await Promise.all(received.map((channel) => opened(channel)));
    expect(received.every((channel) => channel.readyState === 'open')).to.equal(true);
    expect(later.every((channel) => channel.id !== null && channel.id >= 0)).to.equal(true);
  });

  it('closes for good: closed states, no more events, operations rejected', async () => {
    const pc = make();
    const counts = counter(pc, 'signalingstatechange', 'connectionstatechange', 'negotiationneeded');
    pc.createDataChannel('chat');
    pc.close();
    pc.close();
    expect([pc.signalingState, pc.connectionState, pc.iceConnectionState]).to.deep.equal(['closed', 'closed', 'closed']);
    const error = await pc.setLocalDescription().catch((failure: unknown) => failure);
    expect(error).to.have.property('name', 'InvalidStateError');
    expect(() => pc.createDataChannel('late')).to.throw().with.property('name', 'InvalidStateError');
    await tasks();
    expect(counts).to.deep.equal({ signalingstatechange: 0, connectionstatechange: 0, negotiationneeded: 0 });
  });
});
