import { expect } from 'chai';
import { WebSocket } from 'ws';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { CLOSE_INVALID_UTF8 } from '../../../src/server/clientSessions';
import { startCliNode, stopCliNode, type CliNode } from '../../support/cliNode';
import { WsTestClient } from '../../support/wsTestClient';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
/** `{"type":"rtc:sdp",` then a lone continuation byte and an overlong encoding of `/`: not UTF-8. */
const INVALID = Buffer.concat([Buffer.from('{"type":"rtc:sdp","data":{"to":"x","description":"'), Buffer.from([0x80, 0xc0, 0xaf]), Buffer.from('"}}')]);

/** The close code `client`'s socket gets, or a failure if it stays open. */
function closeOf(client: WsTestClient, timeoutMs = 3_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket stayed open')), timeoutMs);
    client.socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('SignallingServer: a text frame that is not UTF-8 (RFC 6455 §8.1)', () => {
  let cli: CliNode | null = null;
  let server: SignallingServer | null = null;
  const clients: WsTestClient[] = [];

  async function pair(url: string, pool: string): Promise<[WsTestClient, WsTestClient]> {
    const [a] = await WsTestClient.joined(url, pool);
    const [b] = await WsTestClient.joined(url, pool);
    clients.push(a, b);
    await a.next('rtc:peer');
    return [a, b];
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    if (cli) await stopCliNode(cli.child, 'SIGKILL');
    cli = null;
    await server?.close();
    server = null;
  });

  it('fails the connection with close 1007; its member leaves, and the pool goes on relaying', async function () {
    this.timeout(20_000);
    cli = await startCliNode([]);
    const [bad, peer] = await pair(cli.url, 'p');
    const [c, d] = await pair(cli.url, 'p');
    await bad.next('rtc:peer');
    await bad.next('rtc:peer');
    await peer.next('rtc:peer');
    await peer.next('rtc:peer');
    const closed = closeOf(bad);
    bad.sendRaw(INVALID);
    expect(await closed).to.equal(CLOSE_INVALID_UTF8);
    // nothing it sent was relayed; its place is given up at once (it did not just drop)
    for (const other of [peer, c, d]) expect(await other.next('rtc:close')).to.deep.equal({ id: bad.id, uid: bad.id });
    await peer.expectSilence();
    c.send('rtc:sdp', { to: d.id, description: OFFER });
    expect(await d.next('rtc:sdp')).to.deep.equal({ peer: c.id, description: OFFER });
  });

  it('fails it too when the frame is split in fragments, and counts invalid-utf8 in stats()', async () => {
    server = await createSignallingServer();
    const client = await WsTestClient.connect(server.url);
    clients.push(client);
    const closed = closeOf(client);
    client.socket.send(INVALID.subarray(0, 10), { binary: false, fin: false });
    client.socket.send(INVALID.subarray(10), { binary: false, fin: true });
    expect(await closed).to.equal(CLOSE_INVALID_UTF8);
    expect(server.stats().refusals['invalid-utf8']).to.equal(1);
  });

  it('accepts a character whose bytes are split across two fragments', async () => {
    server = await createSignallingServer();
    const [a, b] = await pair(server.url, 'p');
    const frame = Buffer.from(JSON.stringify({ type: 'rtc:sdp', data: { to: b.id, description: { type: 'offer', sdp: 'v=0 é€😀' } } }));
    const split = frame.indexOf(Buffer.from('€')) + 1;
    a.socket.send(frame.subarray(0, split), { binary: false, fin: false });
    a.socket.send(frame.subarray(split), { binary: false, fin: true });
    expect(await b.next('rtc:sdp')).to.deep.equal({ peer: a.id, description: { type: 'offer', sdp: 'v=0 é€😀' } });
    expect(a.socket.readyState).to.equal(WebSocket.OPEN);
    expect(server.stats().refusals['invalid-utf8']).to.equal(undefined);
  });

  it('does not scan a frame it refuses unread: a binary frame of the same bytes is bad-frame, and the socket stays', async () => {
    server = await createSignallingServer();
    const client = await WsTestClient.connect(server.url);
    clients.push(client);
    client.sendRaw(INVALID, true);
    expect(await client.nextError()).to.equal('bad-frame');
    expect(client.socket.readyState).to.equal(WebSocket.OPEN);
  });
});
