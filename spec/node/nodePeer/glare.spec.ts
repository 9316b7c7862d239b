import { expect } from 'chai';
import { linkPair, opened, receivedChannel, settled, type LinkedPair } from './support/linkedPair';

/** Rounds of each storm. */
const ROUNDS = 30;
/**
 * The storm's relay delay: both offers are made within a few ms of each other, and a relay
 * through a server takes longer, so each crosses the other on the way. (Handed over directly,
 * the polite side often took the first offer before its own was made, and a run could see no
 * glare at all.)
 */
const RELAY_MS = 20;

describe('RTCPeerConnection (rtcpool/node) in a glare storm', () => {
  let pair: LinkedPair | null = null;

  afterEach(() => {
    pair?.close();
    pair = null;
  });

  it(`reaches stable with every channel open, ${ROUNDS} fresh pairs offering at the same instant`, async function () {
    // 30 fresh connections, each through ICE: 4 s on an idle machine, past 10 s on a busy one
    this.timeout(60_000);
    let collisions = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // no grace for the polite side's first offer: both offer at once, the polite one rolls back
      pair = linkPair({ firstOfferGraceMs: 0 }, (side) => side.pc.createDataChannel(`from-${side.id}`), RELAY_MS);
      const { a, b } = pair;
      const channels = await Promise.all([receivedChannel(a, 'from-b'), receivedChannel(b, 'from-a')]);
      await settled(pair, [a.control, b.control, ...channels]);
      expect([...a.failures, ...b.failures].map(String), `round ${round}`).to.deep.equal([]);
      if (a.sent.offer + b.sent.offer > 1) collisions++;
      pair.close();
      pair = null;
    }
    // the storm must really storm: most rounds have two offers crossing
    expect(collisions).to.be.greaterThan(ROUNDS / 2);
  });

  it(`opens every channel on both sides when both create ${ROUNDS} rounds of channels at the same instant on one connection`, async () => {
    pair = linkPair();
    const { a, b } = pair;
    await settled(pair, [a.control, b.control]);
    for (let round = 0; round < ROUNDS; round++) {
      const mine = [a.pc.createDataChannel(`a-${round}`), b.pc.createDataChannel(`b-${round}`)];
      const theirs = await Promise.all([receivedChannel(b, `a-${round}`), receivedChannel(a, `b-${round}`)]);
      await Promise.all([...mine, ...theirs].map((channel) => opened(channel)));
      expect([a.pc.signalingState, b.pc.signalingState]).to.deep.equal(['stable', 'stable']);
    }
    // the data m-line was negotiated once: new channels need no renegotiation
    expect({ a: a.sent, b: b.sent }).to.deep.equal({ a: { offer: 1, answer: 0 }, b: { offer: 0, answer: 1 } });
    expect([...a.failures, ...b.failures]).to.deep.equal([]);
  });
});
