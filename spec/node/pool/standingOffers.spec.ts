import { expect } from 'chai';
import type { RtcPoolError } from '../../../src/errors';
import type { SdpDescription } from '../../../src/signalling/messages';
import { StandingOffers } from '../../../src/standingOffers';

/** Just what StandingOffers uses of a peer connection: an offer on setLocalDescription, candidates, close. */
class FakePc extends EventTarget {
  static made = 0;
  readonly n = (FakePc.made += 1);
  localDescription: { type: 'offer'; sdp: string } | null = null;
  signalingState = 'stable';
  closed = false;
  async setLocalDescription(): Promise<void> {
    this.localDescription = { type: 'offer', sdp: `offer ${this.n}` };
    this.signalingState = 'have-local-offer';
  }
  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }
  gather(candidate: string | null): void {
    const event = new Event('icecandidate');
    Object.defineProperty(event, 'candidate', {
      value: candidate === null ? null : { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: `u${this.n}` },
    });
    this.dispatchEvent(event);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StandingOffers', () => {
  let pcs: FakePc[];
  let sent: Array<{ sid: number; description: SdpDescription }>;
  let errors: RtcPoolError[];
  let serving: boolean;
  let offers: StandingOffers;
  beforeEach(() => {
    FakePc.made = 0;
    pcs = [];
    sent = [];
    errors = [];
    serving = false;
    offers = new StandingOffers({
      make: () => {
        const pc = new FakePc();
        pcs.push(pc);
        return pc as unknown as RTCPeerConnection;
      },
      serving: () => serving,
      send: (sid, description) => sent.push({ sid, description }),
      report: (error) => errors.push(error),
    });
  });
  afterEach(() => offers.close());

  /** The first offer made and carried by the join, to a server that keeps it. */
  async function joinedWithOne(): Promise<void> {
    offers.renew();
    await tick();
    offers.forJoin();
    serving = true;
    offers.joined();
  }

  it('makes the first offer before the join, which carries it; joined, it sends nothing more', async () => {
    offers.renew();
    await tick();
    expect(offers.forJoin()).to.deep.equal({ sid: 1, description: { type: 'offer', sdp: 'offer 1' } });
    serving = true;
    offers.joined();
    expect(sent).to.deep.equal([]);
  });

  it('sends an offer that was not ready for the join once joined', async () => {
    expect(offers.forJoin()).to.equal(undefined);
    offers.renew();
    await tick();
    expect(sent).to.deep.equal([]);
    serving = true;
    offers.joined();
    expect(sent).to.deep.equal([{ sid: 1, description: { type: 'offer', sdp: 'offer 1' } }]);
  });

  it('closes everything when the server keeps no standing offers (a plain ssp v2 server)', async () => {
    offers.renew();
    await tick();
    offers.forJoin();
    offers.joined();
    expect(pcs.map((pc) => pc.closed)).to.deep.equal([true]);
    offers.renew();
    await tick();
    expect(pcs).to.have.length(1);
  });

  it('keeps a replaced offer until a later one is confirmed, and hands it over if a take comes first', async () => {
    await joinedWithOne();
    offers.renew();
    await tick();
    expect(sent.map(({ sid }) => sid)).to.deep.equal([2]);
    // the server handed sid 1 to a newcomer before it got sid 2: the take comes before the confirmation
    const taken = offers.take(1);
    expect(taken?.pc).to.equal(pcs[0]);
    offers.confirmed(2);
    expect(pcs.map((pc) => pc.closed)).to.deep.equal([false, false]);
    // sid 2 stands, so no third offer was made for the take
    expect(pcs).to.have.length(2);
  });

  it('closes a replaced offer once a later one is confirmed and no take came', async () => {
    await joinedWithOne();
    offers.renew();
    await tick();
    offers.confirmed(2);
    expect(pcs.map((pc) => pc.closed)).to.deep.equal([true, false]);
    expect(offers.take(1)).to.equal(null);
  });

  it('hands the candidates gathered while it stood to the newcomer that takes it, and makes a new offer', async () => {
    await joinedWithOne();
    pcs[0]!.gather('candidate:1 1 udp 1 127.0.0.1 5000 typ host');
    pcs[0]!.gather(null);
    const taken = offers.take(1);
    expect(taken?.candidates).to.deep.equal([{ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u1' }, null]);
    await tick();
    expect(sent.map(({ sid }) => sid)).to.deep.equal([2]);
    // what the taken connection gathers from now on is the negotiation's, not kept here
    pcs[0]!.gather('candidate:2 1 udp 1 127.0.0.1 5001 typ host');
    expect(taken?.candidates).to.have.length(2);
  });

  it('refuses to hand over an offer the server never had', async () => {
    offers.renew();
    await tick();
    expect(offers.take(1)).to.equal(null);
  });

  it('a join afresh carries the newest offer and closes the older ones, whose membership is gone', async () => {
    await joinedWithOne();
    offers.renew();
    await tick();
    serving = false;
    expect(offers.forJoin()?.sid).to.equal(2);
    expect(pcs.map((pc) => pc.closed)).to.deep.equal([true, false]);
  });

  it('closes every connection, and makes no more, once closed', async () => {
    offers.renew();
    offers.renew();
    await tick();
    await tick();
    offers.close();
    expect(pcs.every((pc) => pc.closed)).to.equal(true);
    offers.renew();
    await tick();
    expect(pcs.every((pc) => pc.closed)).to.equal(true);
    expect(errors).to.deep.equal([]);
  });
});
