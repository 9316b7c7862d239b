import { expect } from 'chai';
import { Signalling } from '../../../src/signalling/signalling';
import { ACK_EVERY_MESSAGES, ACK_IDLE_MS } from '../../../src/signalling/relayAcks';
import { Transceiver } from '../../../src/signalling/transceiver';

/** A transceiver the spec feeds by hand, that records what is sent. */
class FakeTransceiver extends Transceiver {
  readonly sent: Array<{ type: string; data: Record<string, unknown> }> = [];
  send(type: string, data: object): void {
    this.sent.push({ type, data: data as Record<string, unknown> });
  }
  close(): void {
    this.closed();
  }
  deliver(type: string, data: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail: data }));
  }
  acks(): number[] {
    return this.sent.filter((event) => event.type === 'rtc:ack').map((event) => event.data.seq as number);
  }
}

const JOINED = { client_id: 'me', peers: ['b'], descriptions: {}, pool: 'p' };
const candidate = (seq?: number): object => ({ ...(seq === undefined ? {} : { seq }), from: 'b', candidate: null });

describe('Signalling relay acknowledgements (extension)', () => {
  let transceiver: FakeTransceiver;
  let channel: Signalling;
  let received: number;
  beforeEach(() => {
    transceiver = new FakeTransceiver();
    channel = new Signalling(transceiver);
    received = 0;
    channel.messages$.subscribe((message) => (received += message.type === 'rtc:candidate' ? 1 : 0));
    transceiver.deliver('rtc:joined', JOINED);
  });
  afterEach(() => channel.close());

  it('asks for numbered relays in rtc:join and rtc:resume', () => {
    channel.send('rtc:join', { pool: 'p' });
    channel.send('rtc:resume', { id: 'me', pool: 'p', token: 't', last: 3 });
    channel.send('rtc:sdp', { to: 'b', description: { type: 'rollback' } });
    expect(transceiver.sent.map((event) => event.data)).to.deep.equal([
      { pool: 'p', ack: true },
      { id: 'me', pool: 'p', token: 't', last: 3, ack: true },
      { to: 'b', description: { type: 'rollback' } },
    ]);
  });

  it(`acknowledges every ${ACK_EVERY_MESSAGES} relays, and the rest after ${ACK_IDLE_MS} ms without one`, async () => {
    for (let seq = 1; seq <= ACK_EVERY_MESSAGES + 3; seq += 1) transceiver.deliver('rtc:candidate', candidate(seq));
    expect(transceiver.acks()).to.deep.equal([ACK_EVERY_MESSAGES]);
    await new Promise((resolve) => setTimeout(resolve, ACK_IDLE_MS + 50));
    expect(transceiver.acks()).to.deep.equal([ACK_EVERY_MESSAGES, ACK_EVERY_MESSAGES + 3]);
    expect(channel.lastSeen).to.equal(ACK_EVERY_MESSAGES + 3);
  });

  it('drops a relay it has seen already (a replay after resume), and passes everything else on', () => {
    for (const seq of [1, 2, 3, 2, 3, 4]) transceiver.deliver('rtc:candidate', candidate(seq));
    expect(received).to.equal(4);
  });

  it('sends nothing to a server that numbers nothing (a plain ssp v2 server)', async () => {
    for (let i = 0; i < ACK_EVERY_MESSAGES * 2; i += 1) transceiver.deliver('rtc:candidate', candidate());
    await new Promise((resolve) => setTimeout(resolve, ACK_IDLE_MS + 50));
    expect(received).to.equal(ACK_EVERY_MESSAGES * 2);
    expect(transceiver.acks()).to.deep.equal([]);
    expect(channel.lastSeen).to.equal(0);
  });

  it('numbers from the start again after a new rtc:joined (a fresh membership)', () => {
    transceiver.deliver('rtc:candidate', candidate(7));
    transceiver.deliver('rtc:joined', JOINED);
    expect(channel.lastSeen).to.equal(0);
    transceiver.deliver('rtc:candidate', candidate(1));
    expect(received).to.equal(2);
  });

  it('leaves no timer behind on close', async () => {
    transceiver.deliver('rtc:candidate', candidate(1));
    channel.close();
    await new Promise((resolve) => setTimeout(resolve, ACK_IDLE_MS + 50));
    expect(transceiver.acks()).to.deep.equal([]);
  });
});
