import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { Pool, RtcPoolError, signalling, Signalling, WebSocketTransceiver, type TransceiverEvent, type WebSocketTransceiverOptions } from '../../src';
import { LOCAL_ONLY, signallingUrl, uniquePool } from './support/environment';
import { connectionsOf, exchange, PoolTracker } from './support/pools';

describe('WebSocketTransceiver', () => {
  const open: WebSocketTransceiver[] = [];
  afterEach(() => open.splice(0).forEach((t) => t.close()));
  const create = (socket: string | WebSocket = signallingUrl(), options?: WebSocketTransceiverOptions): WebSocketTransceiver => {
    const transceiver = new WebSocketTransceiver(socket, options);
    open.push(transceiver);
    return transceiver;
  };

  it('queues what is sent before the socket opens, and delivers replies on events$', async () => {
    const transceiver = create();
    expect(transceiver.state).to.equal('connecting');
    const joined = firstValueFrom(transceiver.events$.pipe(filter((e) => e.type === 'rtc:joined')));
    transceiver.send('rtc:join', { pool: uniquePool() });
    expect((await joined).data).to.have.property('client_id');
  });

  it('dispatches every event as a CustomEvent, as 3.x transceivers did', async () => {
    const transceiver = create();
    const event = new Promise<CustomEvent>((resolve) => transceiver.addEventListener('rtc:joined', (e) => resolve(e as CustomEvent)));
    transceiver.send('rtc:join', { pool: uniquePool() });
    expect((await event).detail).to.have.property('peers');
  });

  it('turns a frame it cannot decode into an error event, never a throw', async () => {
    const transceiver = create();
    const errors: TransceiverEvent[] = [];
    transceiver.events$.subscribe((e) => e.type === 'error' && errors.push(e));
    (transceiver.socket as WebSocket).dispatchEvent(new MessageEvent('message', { data: 'not json' }));
    expect(errors).to.deep.equal([{ type: 'error', data: { reason: 'bad-json', message: 'frame is not JSON' } }]);
  });

  it('reports connecting, open and closed on state$, and throws closed on send after close()', async () => {
    const transceiver = create();
    const states = firstValueFrom(transceiver.state$.pipe(toArray()));
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    transceiver.close();
    expect(await states).to.deep.equal(['connecting', 'open', 'closed']);
    expect(() => transceiver.send('rtc:join', { pool: 'x' })).to.throw(RtcPoolError).with.property('code', 'closed');
  });

  it('wraps a WebSocket that is already open', async () => {
    const socket = new WebSocket(signallingUrl());
    await new Promise((resolve) => (socket.onopen = resolve));
    const transceiver = create(socket);
    expect(transceiver.state).to.equal('open');
  });

  it('reconnects on a new socket when the socket drops, saying reconnecting meanwhile', async () => {
    const transceiver = create(signallingUrl(), { reconnect: { initialDelayMs: 10 } });
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    const first = transceiver.socket;
    const states = firstValueFrom(transceiver.state$.pipe(take(3), toArray()));
    first.close();
    expect(await states).to.deep.equal(['open', 'reconnecting', 'open']);
    expect(transceiver.socket).to.not.equal(first);
    const joined = firstValueFrom(transceiver.events$.pipe(filter((e) => e.type === 'rtc:joined')));
    transceiver.send('rtc:join', { pool: uniquePool() });
    expect((await joined).data).to.have.property('client_id');
  });

  it('queues what is sent while it reconnects, and sends it on the new socket', async () => {
    const transceiver = create(signallingUrl(), { reconnect: { initialDelayMs: 50 } });
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    transceiver.socket.close();
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'reconnecting')));
    const joined = firstValueFrom(transceiver.events$.pipe(filter((e) => e.type === 'rtc:joined')));
    transceiver.send('rtc:join', { pool: uniquePool() });
    expect((await joined).data).to.have.property('client_id');
  });

  it('says closed when the socket drops and reconnect is off', async () => {
    const transceiver = create(signallingUrl(), { reconnect: false });
    await firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'open')));
    const closed = firstValueFrom(transceiver.state$.pipe(filter((s) => s === 'closed'), take(1)));
    transceiver.socket.close();
    expect(await closed).to.equal('closed');
  });

  it('gives up after maxAttempts failed reconnects', async () => {
    // nothing listens on port 9: every attempt fails at once
    const transceiver = create('ws://127.0.0.1:9/', { reconnect: { initialDelayMs: 5, maxAttempts: 3 } });
    expect(await firstValueFrom(transceiver.state$.pipe(toArray()))).to.deep.equal(['connecting', 'closed']);
  });
});

describe('signalling (3.x namespace)', () => {
  const tracker = new PoolTracker();
  afterEach(() => tracker.closeAll());

  it('is the channel class, with websocket, socket.io, signalling and transceiver hanging off it', () => {
    expect(new signalling.websocket(signallingUrl())).to.be.instanceOf(Signalling);
    expect(signalling.signalling).to.equal(Signalling);
    expect(signalling.socket.io.prototype).to.be.instanceOf(Signalling);
    expect(typeof signalling.transceiver).to.equal('function');
    expect(Object.getPrototypeOf(signalling)).to.equal(Signalling);
  });

  it('runs a pool over a 3.x custom transceiver that only dispatches CustomEvents', async () => {
    // what a 3.x user wrote: an EventTarget with send and close, no rtcpool base class at all
    class LegacyTransceiver extends EventTarget {
      private readonly socket = new WebSocket(signallingUrl());
      private readonly queue: string[] = [];
      constructor() {
        super();
        this.socket.onopen = () => this.queue.splice(0).forEach((frame) => this.socket.send(frame));
        this.socket.onmessage = ({ data }) => {
          const { type, data: detail } = JSON.parse(data as string);
          this.dispatchEvent(new CustomEvent(type, { detail }));
        };
      }
      send(type: string, data: object): void {
        const frame = JSON.stringify({ type, data });
        if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
        else this.queue.push(frame);
      }
      close(): void {
        this.socket.close();
      }
    }
    const name = uniquePool('legacy');
    const legacy = new Pool(LOCAL_ONLY, new signalling(new LegacyTransceiver()));
    tracker.pools.push(legacy);
    const modern = tracker.create();
    await legacy.join(name);
    await modern.join(name);
    await connectionsOf(legacy, 1);
    expect(await exchange(legacy, modern, 'old-to-new')).to.equal(`old-to-new from ${legacy.id}`);
  });

  it('re-dispatches messages under their 3.x event names', async () => {
    const signals = new signalling.websocket(signallingUrl());
    const join = new Promise<CustomEvent>((resolve) => signals.addEventListener('join', (e) => resolve(e as CustomEvent)));
    signals.send('rtc:join', { pool: uniquePool() });
    expect((await join).detail).to.have.property('client_id');
    signals.close();
  });

  it('accepts a bare transceiver in place of a channel', async () => {
    const pool = new Pool(LOCAL_ONLY, new WebSocketTransceiver(signallingUrl()));
    tracker.pools.push(pool);
    expect((await pool.join(uniquePool())).peers).to.deep.equal([]);
  });
});
