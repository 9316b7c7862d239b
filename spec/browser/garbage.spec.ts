import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { Pool, signalling, type RtcPoolError, type WebSocketTransceiver } from '../../src';
import { LOCAL_ONLY, signallingUrl, uniquePool } from './support/environment';
import { connectionsOf, exchange, settle } from './support/pools';

describe('garbage from the server', () => {
  const pools: Pool[] = [];
  const uncaught: unknown[] = [];
  const onError = (event: ErrorEvent): void => void uncaught.push(event.error ?? event.message);
  const onRejection = (event: PromiseRejectionEvent): void => void uncaught.push(event.reason);
  let a: Pool;
  let b: Pool;
  let errors: RtcPoolError[];
  /** Delivers a frame to `a` exactly as if the server had sent it. */
  let inject: (frame: string) => void;

  beforeEach(async () => {
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    const name = uniquePool('garbage');
    const signals = new signalling.websocket(signallingUrl());
    a = new Pool(LOCAL_ONLY, signals, { orphanTimeoutMs: 100 });
    b = new Pool(LOCAL_ONLY, new signalling.websocket(signallingUrl()));
    pools.push(a, b);
    errors = [];
    a.errors$.subscribe((error) => errors.push(error));
    await a.join(name);
    await b.join(name);
    const [connection] = await connectionsOf(a, 1);
    // connected, so negotiation is over: a broken offer is not taken for glare and ignored
    await firstValueFrom(connection!.state$.pipe(filter((state) => state === 'connected')));
    const socket = (signals.transceiver as WebSocketTransceiver).socket as WebSocket;
    inject = (frame) => socket.dispatchEvent(new MessageEvent('message', { data: frame }));
  });

  afterEach(async () => {
    // whatever came, nothing was thrown at the app and the mesh still works
    expect(await exchange(a, b, 'after')).to.equal(`after from ${a.id}`);
    expect(await exchange(b, a, 'back')).to.equal(`back from ${b.id}`);
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
    for (const pool of pools.splice(0)) pool.close();
    expect(uncaught).to.deep.equal([]);
  });

  const event = (type: string, data: unknown): string => JSON.stringify({ type, data });
  const cases: Array<[string, () => string, string, string?]> = [
    ['a frame that is not JSON', () => '<html>', 'protocol', 'bad-json'],
    ['a JSON array', () => '[]', 'protocol', 'bad-frame'],
    ['an event with no data', () => JSON.stringify({ type: 'rtc:peer' }), 'protocol', 'bad-frame'],
    ['an unknown rtc: event', () => event('rtc:takeover', {}), 'protocol', 'unknown-type'],
    ['rtc:sdp with no description', () => event('rtc:sdp', { peer: b.id }), 'protocol', 'bad-field'],
    ['rtc:candidate whose candidate is a number', () => event('rtc:candidate', { from: b.id, candidate: 5 }), 'protocol', 'bad-field'],
    ['rtc:joined while joined', () => event('rtc:joined', { client_id: 'x', peers: [] }), 'protocol', 'unexpected'],
    ['rtc:peer for a peer already connected', () => event('rtc:peer', { id: b.id }), 'protocol', 'unexpected'],
    ['rtc:close for an unknown peer', () => event('rtc:close', { id: 'ghost' }), 'unknown-peer'],
    ['rtc:describe for an unknown peer', () => event('rtc:describe', { id: 'ghost', description: {} }), 'unknown-peer'],
    ['rtc:candidate from an unknown peer', () => event('rtc:candidate', { from: 'ghost', candidate: null }), 'unknown-peer'],
    ['an answer out of order, in stable', () => event('rtc:sdp', { peer: b.id, description: { type: 'answer', sdp: 'v=0\r\n' } }), 'negotiation-failed'],
    ['an offer with broken SDP', () => event('rtc:sdp', { peer: b.id, description: { type: 'offer', sdp: 'garbage' } }), 'negotiation-failed'],
    ['rtc:error from the server', () => event('rtc:error', { message: 'nope', reason: 'whatever' }), 'server-error', 'whatever'],
  ];
  for (const [what, frame, code, reason] of cases) {
    it(`turns ${what} into a ${code} error and nothing else`, async () => {
      inject(frame());
      // the error comes when the negotiation queue gets to the frame (Firefox can take a while
      // to refuse broken SDP): wait for it, then a little more for anything that should not come
      const deadline = Date.now() + 10_000;
      while (errors.length === 0 && Date.now() < deadline) await settle(10);
      await settle(200);
      expect(errors.map((error) => [error.code, error.reason])).to.deep.equal([[code, reason]]);
    });
  }

  it('passes by an event that is not signalling', async () => {
    inject(event('chat', { text: 'hello' }));
    await settle();
    expect(errors).to.deep.equal([]);
  });
});
