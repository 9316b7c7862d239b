import { expect } from 'chai';
import { linkPair, nextMessage, opened, receivedChannel, settled, type LinkedPair } from './support/linkedPair';

describe('RTCPeerConnection (rtcpool/node) with negotiationEpic', () => {
  let pair: LinkedPair | null = null;

  afterEach(() => {
    pair?.close();
    pair = null;
  });

  it('connects two Node peers (impolite and polite) wired directly, and messages flow both ways on an app channel', async () => {
    pair = linkPair();
    const { a, b } = pair;
    await settled(pair, [a.control, b.control]);
    const app = a.pc.createDataChannel('app');
    const appAtB = await opened(await receivedChannel(b, 'app'));
    await opened(app);

    const toB = nextMessage(appAtB);
    app.send('ping');
    expect(await toB).to.equal('ping');
    const toA = nextMessage(app);
    appAtB.send(new Uint8Array([1, 2, 3]));
    expect([...new Uint8Array((await toA) as ArrayBuffer)]).to.deep.equal([1, 2, 3]);

    const controlToA = nextMessage(a.control);
    b.control.send('over the control channel');
    expect(await controlToA).to.equal('over the control channel');

    expect(a.pc.connectionState).to.equal('connected');
    expect(b.pc.connectionState).to.equal('connected');
    expect([...a.failures, ...b.failures]).to.deep.equal([]);
  });

  it('costs exactly one offer and one answer for a plain connection, app channel included', async () => {
    pair = linkPair();
    const { a, b } = pair;
    await settled(pair, [a.control, b.control]);
    const app = b.pc.createDataChannel('app');
    await opened(await receivedChannel(a, 'app'));
    await opened(app);
    // anything left to negotiate would show up within the polite side's grace for a held offer
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect({ a: a.sent, b: b.sent }).to.deep.equal({ a: { offer: 1, answer: 0 }, b: { offer: 0, answer: 1 } });
    expect([...a.failures, ...b.failures]).to.deep.equal([]);
  });

  it('keeps descriptions as browsers do: null before, toJSON() after, both sides stable', async () => {
    pair = linkPair();
    const { a, b } = pair;
    expect(a.pc.remoteDescription).to.equal(null);
    expect(b.pc.localDescription).to.equal(null);
    await settled(pair, [a.control, b.control]);
    const offer = a.pc.localDescription!.toJSON();
    expect(offer.type).to.equal('offer');
    expect(offer.sdp).to.match(/^m=application /m);
    expect(b.pc.remoteDescription!.toJSON().type).to.equal('offer');
    expect(b.pc.localDescription!.type).to.equal('answer');
    expect(a.pc.currentRemoteDescription!.type).to.equal('answer');
  });
});
