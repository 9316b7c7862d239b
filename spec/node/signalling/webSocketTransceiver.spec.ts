import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { WebSocketTransceiver } from '../../../src/signalling/webSocketTransceiver';
import type { TransportState } from '../../../src/signalling/transceiver';
import { RtcPoolError } from '../../../src/errors';

/** Reconnects at once: the spec is about where, not when. */
const FAST = { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } } as const;

const next = (transceiver: WebSocketTransceiver, type: string): Promise<unknown> =>
  firstValueFrom(transceiver.events$.pipe(filter((event) => event.type === type), take(1), timeout(5_000))).then((event) => event.data);
const reaches = (transceiver: WebSocketTransceiver, state: TransportState): Promise<unknown> =>
  firstValueFrom(transceiver.state$.pipe(filter((each) => each === state), take(1), timeout(5_000)));

describe('WebSocketTransceiver in Node', () => {
  const servers: SignallingServer[] = [];
  const transceivers: WebSocketTransceiver[] = [];
  const start = async (): Promise<SignallingServer> => {
    const server = await createSignallingServer({ resume: { secret: 'cluster-secret' } });
    servers.push(server);
    return server;
  };
  const track = (transceiver: WebSocketTransceiver): WebSocketTransceiver => (transceivers.push(transceiver), transceiver);
  afterEach(async () => {
    for (const transceiver of transceivers.splice(0)) transceiver.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('speaks over a ws socket it is given, with no global WebSocket looked up', async () => {
    const server = await start();
    const transceiver = track(new WebSocketTransceiver(new WebSocket(server.url), { reconnect: false }));
    transceiver.send('rtc:join', { pool: 'node' });
    expect(await next(transceiver, 'rtc:joined')).to.include({ pool: 'node' });
  });

  it('opens URLs with the WebSocket class of its options, and reconnects with it', async () => {
    const server = await start();
    const transceiver = track(new WebSocketTransceiver(server.url, { ...FAST, WebSocket }));
    await reaches(transceiver, 'open');
    transceiver.socket.close();
    await reaches(transceiver, 'reconnecting');
    await reaches(transceiver, 'open');
    transceiver.send('rtc:join', { pool: 'again' });
    expect(await next(transceiver, 'rtc:joined')).to.include({ pool: 'again' });
  });

  it('fails over to the next URL when its server goes away', async () => {
    const [a, b] = [await start(), await start()];
    const transceiver = track(new WebSocketTransceiver([a.url, b.url], { ...FAST, WebSocket }));
    transceiver.send('rtc:join', { pool: 'failover' });
    await next(transceiver, 'rtc:joined');
    expect(a.members('failover')).to.have.length(1);
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    await reaches(transceiver, 'reconnecting');
    await reaches(transceiver, 'open');
    expect(transceiver.socket.url).to.equal(b.url);
    transceiver.send('rtc:join', { pool: 'failover' });
    await next(transceiver, 'rtc:joined');
    expect(b.members('failover')).to.have.length(1);
  });

  it('refuses an empty URL list with bad-argument', () => {
    expect(() => new WebSocketTransceiver([])).to.throw(RtcPoolError).with.property('code', 'bad-argument');
  });

  it('says what to pass, with unsupported, for a URL where there is no WebSocket class', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new WebSocketTransceiver('ws://127.0.0.1:1/')).to.throw(RtcPoolError, /pass \{ WebSocket \}/).with.property('code', 'unsupported');
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });
});
