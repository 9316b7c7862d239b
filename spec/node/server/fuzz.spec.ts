import { expect } from 'chai';
import { isUtf8 } from 'node:buffer';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { VANISHED_PEER_REPORT_MS } from '../../../src/server/options';
import { WsTestClient } from '../../support/wsTestClient';
import { prng } from '../../support/prng';

/** Frames each fuzzer sends. */
const FRAMES_PER_FUZZER = 1_500;
const FUZZERS = 4;
/** Relays each honest client sends to the other while the fuzzers run. */
const HONEST_RELAYS = 300;

/** Frames that are random, or valid ones bent out of shape. */
function frameMaker(random: () => number, peers: () => string[]) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const text = (max: number): string => Array.from({ length: Math.floor(random() * max) }, () => String.fromCharCode(Math.floor(random() * 0xffff))).join('');
  const value = (depth: number): unknown => {
    switch (Math.floor(random() * (depth > 3 ? 6 : 8))) {
      case 0: return null;
      case 1: return random() < 0.5;
      case 2: return pick([0, -1, 1e308, NaN, 2 ** 53, -0.5]);
      case 3: return text(40);
      case 4: return pick(['rtc:join', 'rtc:sdp', '__proto__', 'constructor', 'offer', '']);
      case 5: return pick(peers().concat(['x']));
      case 6: return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(['pool', 'to', 'for', 'description', 'candidate', 'type', 'sdp', 'id', 'token', '__proto__', text(6)]), value(depth + 1)]));
    }
  };
  const valid = (): { type: string; data: Record<string, unknown> } => {
    const to = pick(peers().concat(['nobody']));
    return pick([
      { type: 'rtc:join', data: { pool: pick(['honest', 'fuzz', text(10)]) } },
      { type: 'rtc:sdp', data: { to, description: { type: pick(['offer', 'answer', 'rollback']), sdp: 'v=0\r\n' } } },
      { type: 'rtc:candidate', data: { for: to, candidate: pick([null, { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 }]) } },
      { type: 'rtc:resume', data: { id: to, pool: 'honest', token: text(30) || 't' } },
    ]);
  };
  return (): { frame: string | Buffer; binary: boolean } => {
    switch (Math.floor(random() * 8)) {
      case 0: {
        // random bytes: as text only when they are UTF-8, since a text frame that is not ends the
        // fuzzer's connection (close 1007, its own spec), and the fuzzing with it
        const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
        return { frame: bytes, binary: random() < 0.5 || !isUtf8(bytes) };
      }
      case 1: return { frame: text(80), binary: false };
      case 2: return { frame: JSON.stringify(value(0)) ?? 'undefined', binary: false };
      case 3: {
        // a valid frame with one field bent
        const message = valid();
        const keys = Object.keys(message.data);
        message.data[pick(keys)] = value(1);
        return { frame: JSON.stringify(message), binary: false };
      }
      case 4: {
        const message = valid();
        delete message.data[pick(Object.keys(message.data))];
        return { frame: JSON.stringify(message), binary: false };
      }
      case 5: return { frame: JSON.stringify({ type: pick(['rtc:' + text(5), 'rtc:joined', 'rtc:close', text(5)]), data: value(1) }), binary: false };
      case 6: {
        // structures that stress the parser: deep nesting, or a frame far over the limit
        const depth = Math.floor(random() * 20_000);
        return { frame: random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : JSON.stringify({ type: 'rtc:join', data: { pool: 'x'.repeat(600_000) } }), binary: false };
      }
      default: return { frame: JSON.stringify(valid()), binary: false };
    }
  };
}

describe('SignallingServer under fuzzing', () => {
  let server: SignallingServer;
  const clients: WsTestClient[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  beforeEach(() => process.on('uncaughtException', onUncaught));
  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
  });

  it(`stays up through ${FUZZERS * FRAMES_PER_FUZZER} random and mutated frames while two honest clients relay every message`, async function () {
    this.timeout(120_000);
    const seed = Date.now() >>> 0;
    // the fuzzers are not rate limited, so every frame reaches the parser
    server = await createSignallingServer({ limits: { messagesPerSecond: 1e9, messageBurst: 1e9 }, resume: { graceMs: 0 } });
    const [a] = await WsTestClient.joined(server.url, 'honest');
    const [b] = await WsTestClient.joined(server.url, 'honest');
    clients.push(a, b);
    await a.next('rtc:peer');
    const fuzzers = await Promise.all(Array.from({ length: FUZZERS }, () => WsTestClient.connect(server.url)));
    clients.push(...fuzzers);
    const ids = () => [a.id, b.id];

    // honest relays, collected as they arrive
    const arrived: string[] = [];
    b.socket.on('message', (raw) => {
      const { type, data } = JSON.parse(String(raw));
      if (type === 'rtc:sdp' && data.peer === a.id) arrived.push(data.description.sdp);
    });
    const fuzzing = fuzzers.map(async (fuzzer, index) => {
      const next = frameMaker(prng(seed + index), ids);
      for (let i = 0; i < FRAMES_PER_FUZZER; i += 1) {
        const { frame, binary } = next();
        if (fuzzer.socket.readyState !== fuzzer.socket.OPEN) break;
        fuzzer.sendRaw(frame, binary);
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const honest = (async () => {
      for (let i = 0; i < HONEST_RELAYS; i += 1) {
        a.send('rtc:sdp', { to: b.id, description: { type: 'offer', sdp: `honest ${i}` } });
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all([...fuzzing, honest]);
    const deadline = Date.now() + 20_000;
    while (arrived.length < HONEST_RELAYS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

    expect(arrived, `seed ${seed}`).to.deep.equal(Array.from({ length: HONEST_RELAYS }, (_, i) => `honest ${i}`));
    expect(uncaught, `seed ${seed}`).to.deep.equal([]);
    // still serving: a newcomer joins the honest pool and is announced
    const [late, joined] = await WsTestClient.joined(server.url, 'honest');
    clients.push(late);
    expect(joined.peers).to.include.members([a.id, b.id]);
  });
});

describe('vanished peers', () => {
  let server: SignallingServer;
  const clients: WsTestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
  });

  it(`reports a peer whose socket went silent with rtc:close within VANISHED_PEER_REPORT_MS (${VANISHED_PEER_REPORT_MS} ms), with default settings`, async function () {
    this.timeout(VANISHED_PEER_REPORT_MS + 5_000);
    server = await createSignallingServer();
    const [a] = await WsTestClient.joined(server.url, 'p');
    // a peer that stops answering: no pong, no close frame, as when its machine drops off the network
    const [gone] = await WsTestClient.joined(server.url, 'p', { autoPong: false });
    clients.push(a, gone);
    await a.next('rtc:peer');
    const silentSince = Date.now();
    const closed = await new Promise<Record<string, unknown>>((resolve, reject) => {
      a.socket.on('message', (raw) => {
        const { type, data } = JSON.parse(String(raw));
        if (type === 'rtc:close') resolve(data);
      });
      setTimeout(() => reject(new Error('no rtc:close in time')), VANISHED_PEER_REPORT_MS + 500);
    });
    expect(closed).to.deep.equal({ id: gone.id, uid: gone.id });
    expect(Date.now() - silentSince).to.be.at.most(VANISHED_PEER_REPORT_MS + 500);
  });
});
