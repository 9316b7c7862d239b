import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import type { ServerMessage } from '../../../src/signalling/messages';
import { encodeFrame } from '../../../src/signalling/parse';
import { Signalling } from '../../../src/signalling/signalling';
import { Transceiver } from '../../../src/signalling/transceiver';
import { WsTestClient, type Received } from '../../support/wsTestClient';
import { prng } from '../../support/prng';

const CANDIDATE = { candidate: 'candidate:0', sdpMid: '0', sdpMLineIndex: 0 };
/** Drop trials, and relays in flight during each. */
const TRIALS = 20;
const RELAYS_PER_TRIAL = 60;

/**
 * Our client's transport, over Node's `ws`, with a socket that can die silently: it stops
 * reading (what reaches it is lost), and the server may or may not notice.
 */
class DyingTransceiver extends Transceiver {
  private socket: WebSocket;

  constructor(private readonly url: string) {
    super('connecting');
    this.socket = this.open();
  }

  send(type: string, data: object): void {
    if (this.socket.readyState !== WebSocket.OPEN) throw new Error(`cannot send ${type}: the socket is not open`);
    this.socket.send(encodeFrame(type, data));
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.terminate();
    this.closed();
  }

  /** The socket stops delivering; `cut` also closes its TCP stream (else the server does not notice). */
  die(cut: boolean): void {
    this.socket.removeAllListeners('message');
    this.socket.removeAllListeners('open');
    this.setState('reconnecting');
    const dead = this.socket;
    if (cut) dead.terminate();
    else setTimeout(() => dead.terminate(), 2_000);
  }

  /** A new socket at the same URL. */
  reconnect(): void {
    this.socket = this.open();
  }

  private open(): WebSocket {
    const socket = new WebSocket(this.url);
    socket.on('open', () => this.setState('open'));
    socket.on('message', (raw) => this.receiveFrame(String(raw)));
    socket.on('error', () => undefined);
    return socket;
  }
}

describe('SignallingServer relay acknowledgement (extension)', () => {
  let server: SignallingServer;
  const clients: WsTestClient[] = [];
  const channels: Signalling[] = [];
  beforeEach(async () => {
    server = await createSignallingServer({ resume: { graceMs: 5_000 } });
  });
  afterEach(async () => {
    for (const channel of channels.splice(0)) channel.close();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server.close();
  });

  /** A plain member of pool 'p', then a member that asks for numbered relays; its rtc:joined data. */
  async function plainAndAcking(): Promise<[WsTestClient, WsTestClient, Received['data']]> {
    const [plain] = await WsTestClient.joined(server.url, 'p');
    clients.push(plain);
    const acking = await WsTestClient.connect(server.url);
    clients.push(acking);
    acking.send('rtc:join', { pool: 'p', ack: true });
    return [plain, acking, await acking.next('rtc:joined')];
  }

  it('numbers relays only for a member that asked with ack: a plain client sees no seq', async () => {
    const [plain, acking, joined] = await plainAndAcking();
    expect(joined).to.not.have.property('seq');
    expect(await plain.next('rtc:peer')).to.not.have.property('seq');
    plain.send('rtc:candidate', { for: joined.client_id, candidate: CANDIDATE });
    plain.send('rtc:candidate', { for: joined.client_id, candidate: CANDIDATE });
    expect(await acking.next('rtc:candidate')).to.deep.equal({ seq: 1, from: plain.id, candidate: CANDIDATE });
    expect(await acking.next('rtc:candidate')).to.deep.include({ seq: 2 });
    acking.send('rtc:candidate', { for: plain.id, candidate: CANDIDATE });
    expect(await plain.next('rtc:candidate')).to.deep.equal({ from: acking.id, candidate: CANDIDATE });
  });

  it('keeps what is not acknowledged, in bytes counted by stats(), and lets go of what rtc:ack covers', async () => {
    const [plain, acking, { client_id: id }] = await plainAndAcking();
    for (let i = 0; i < 3; i += 1) plain.send('rtc:candidate', { for: id, candidate: CANDIDATE });
    for (let i = 0; i < 3; i += 1) await acking.next('rtc:candidate');
    expect(server.stats().heldBytes).to.be.greaterThan(0);
    acking.send('rtc:ack', { seq: 3 });
    await waitFor(() => server.stats().heldBytes === 0);
  });

  it('replays after rtc:resume what came after `last`, before anything new', async () => {
    const [plain, acking, joined] = await plainAndAcking();
    for (let i = 0; i < 4; i += 1) plain.send('rtc:candidate', { for: joined.client_id, candidate: { ...CANDIDATE, candidate: `candidate:${i}` } });
    for (let i = 0; i < 4; i += 1) await acking.next('rtc:candidate');
    acking.socket.terminate();
    const again = await WsTestClient.connect(server.url);
    clients.push(again);
    again.send('rtc:resume', { id: joined.client_id, pool: 'p', token: joined.token, ack: true, last: 2 });
    await again.next('rtc:resumed');
    expect(await again.next('rtc:candidate')).to.deep.include({ seq: 3, candidate: { ...CANDIDATE, candidate: 'candidate:2' } });
    expect(await again.next('rtc:candidate')).to.deep.include({ seq: 4 });
    plain.send('rtc:candidate', { for: joined.client_id, candidate: CANDIDATE });
    expect(await again.next('rtc:candidate')).to.deep.include({ seq: 5 });
  });

  it(`loses nothing in ${TRIALS} drop trials with ${RELAYS_PER_TRIAL} relays in flight, noticed by the server or not`, async function () {
    this.timeout(60_000);
    const random = prng(20261129);
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const pool = `trial-${trial}`;
      const transceiver = new DyingTransceiver(server.url);
      const channel = new Signalling(transceiver);
      channels.push(channel);
      const received: number[] = [];
      let token = '';
      channel.messages$.subscribe((message: ServerMessage) => {
        if (message.type === 'rtc:candidate') received.push(Number(message.data.candidate!.candidate.split(':')[1]));
        if ((message.type === 'rtc:joined' || message.type === 'rtc:resumed') && message.data.token) token = message.data.token;
      });
      await firstValueFrom(channel.state$.pipe(filter((state) => state === 'open')));
      const joined = firstValueFrom(channel.messages$.pipe(filter((message) => message.type === 'rtc:joined')));
      channel.send('rtc:join', { pool });
      const { client_id: id } = (await joined).data as { client_id: string };
      const [sender] = await WsTestClient.joined(server.url, pool);
      clients.push(sender);

      const sending = (async () => {
        for (let i = 0; i < RELAYS_PER_TRIAL; i += 1) {
          sender.send('rtc:candidate', { for: id, candidate: { ...CANDIDATE, candidate: `candidate:${i}` } });
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 5 + random() * 30));
      transceiver.die(trial % 2 === 0);
      await new Promise((resolve) => setTimeout(resolve, random() * 20));
      const reopened = firstValueFrom(channel.state$.pipe(filter((state) => state === 'open')));
      transceiver.reconnect();
      await reopened;
      // what the pool does when its transport is back
      channel.send('rtc:resume', { id, pool, token, last: channel.lastSeen });
      await sending;
      await waitFor(() => received.length >= RELAYS_PER_TRIAL, 5_000).catch(() => undefined);
      expect(received, `trial ${trial}`).to.deep.equal(Array.from({ length: RELAYS_PER_TRIAL }, (_, i) => i));
      channel.close();
      await sender.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
