import { expect } from 'chai';
import { LOCAL_ONLY, signallingUrl, uniquePool } from './support/environment';

/** A raw ssp v2 client: a WebSocket and a queue of received events. No rtcpool code at all. */
class RawSignaller {
  private readonly handlers = new Map<string, (data: any) => void>();
  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const { type, data } = JSON.parse(event.data as string);
      this.handlers.get(type)?.(data);
    };
  }
  static async open(url: string): Promise<RawSignaller> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return new RawSignaller(socket);
  }
  on(type: string, handler: (data: any) => void): void {
    this.handlers.set(type, handler);
  }
  once<T = any>(type: string): Promise<T> {
    return new Promise((resolve) => this.on(type, resolve));
  }
  send(type: string, data: unknown): void {
    this.socket.send(JSON.stringify({ type, data }));
  }
}

describe('browser test harness', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((close) => close()));

  it('connects two RTCPeerConnections through the real signalling server with raw ssp v2 messages', async () => {
    const pool = uniquePool('harness');
    const a = await RawSignaller.open(signallingUrl());
    const b = await RawSignaller.open(signallingUrl());
    cleanup.push(() => a.socket.close(), () => b.socket.close());

    a.send('rtc:join', { pool });
    const aJoined = await a.once('rtc:joined');
    const peerArrived = a.once('rtc:peer');
    b.send('rtc:join', { pool });
    const bJoined = await b.once('rtc:joined');
    expect(bJoined.peers).to.deep.equal([aJoined.client_id]);
    expect((await peerArrived).id).to.equal(bJoined.client_id);

    const pcA = new RTCPeerConnection(LOCAL_ONLY);
    const pcB = new RTCPeerConnection(LOCAL_ONLY);
    cleanup.push(() => pcA.close(), () => pcB.close());
    const wire = (pc: RTCPeerConnection, signaller: RawSignaller, peer: string): void => {
      pc.onicecandidate = ({ candidate }) => signaller.send('rtc:candidate', { for: peer, candidate: candidate?.toJSON() ?? null });
      signaller.on('rtc:candidate', ({ candidate }) => void (candidate && pc.addIceCandidate(candidate)));
    };
    wire(pcA, a, bJoined.client_id);
    wire(pcB, b, aJoined.client_id);
    b.on('rtc:sdp', async ({ peer, description }) => {
      await pcB.setRemoteDescription(description);
      await pcB.setLocalDescription();
      b.send('rtc:sdp', { to: peer, description: pcB.localDescription!.toJSON() });
    });
    a.on('rtc:sdp', ({ description }) => void pcA.setRemoteDescription(description));

    const received = new Promise<string>((resolve) => {
      pcB.ondatachannel = ({ channel }) => (channel.onmessage = ({ data }) => resolve(data));
    });
    const channel = pcA.createDataChannel('harness');
    await pcA.setLocalDescription();
    a.send('rtc:sdp', { to: bJoined.client_id, description: pcA.localDescription!.toJSON() });
    await new Promise((resolve) => (channel.onopen = resolve));
    channel.send('hello through the real server');
    expect(await received).to.equal('hello through the real server');
  });
});
