import { expect } from 'chai';
import { linkPair, nextMessage, opened, receivedChannel, type LinkedPair } from './support/linkedPair';

type Entry = { id: string; type: string; [key: string]: unknown };

const entries = async (pc: RTCPeerConnection): Promise<Entry[]> => {
  const list: Entry[] = [];
  (await pc.getStats()).forEach((entry: Entry) => list.push(entry));
  return list;
};

describe('RTCPeerConnection.getStats() (rtcpool/node)', function () {
  this.timeout(20_000);
  let pair: LinkedPair | undefined;

  afterEach(() => {
    pair?.close();
    pair = undefined;
  });

  it('gives the transport\'s byte counts, the selected pair with W3C units and its two host candidates, under the same ids each call', async () => {
    pair = linkPair();
    const { a, b } = pair;
    const channel = await opened(a.pc.createDataChannel('stats'));
    const incoming = await receivedChannel(b, 'stats');
    const heard = nextMessage(incoming);
    channel.send('x'.repeat(10_000));
    await heard;
    const first = await entries(a.pc);
    const transport = first.find((entry) => entry.type === 'transport')!;
    expect(transport['bytesSent']).to.be.a('number').and.at.least(10_000);
    const selected = first.find((entry) => entry.id === transport['selectedCandidatePairId'])!;
    expect(selected).to.include({ type: 'candidate-pair', state: 'succeeded', nominated: true, transportId: transport.id });
    // SCTP's round-trip time, in seconds as the W3C says (node-datachannel's polyfill gives milliseconds)
    expect(selected['currentRoundTripTime']).to.be.a('number').within(0, 1);
    for (const key of ['localCandidateId', 'remoteCandidateId']) {
      expect(first.find((entry) => entry.id === selected[key])).to.include({ candidateType: 'host', protocol: 'udp' });
    }
    const again = await entries(a.pc);
    expect(again.map((entry) => entry.id).sort()).to.deep.equal(first.map((entry) => entry.id).sort());
  });

  it('gives only a transport with zero counts once closed, and does not touch the released native connection', async () => {
    pair = linkPair();
    await opened(pair.a.control);
    pair.a.pc.close();
    const closed = await entries(pair.a.pc);
    expect(closed).to.have.length(1);
    expect(closed[0]).to.include({ type: 'transport', bytesSent: 0, bytesReceived: 0 });
  });
});
