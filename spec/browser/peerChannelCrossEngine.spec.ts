import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import type { ManagedConnection, PeerChannel } from '../../src';
import { otherEngine, remotePeers, uniquePool, type RemotePeer } from './support/environment';
import { connectionsOf, MESH_TIMEOUT_MS, nextMessage, PoolTracker } from './support/pools';

const MiB = 1024 * 1024;

/** Sends a command on the remote peer's control channel and resolves with its reply (spec/support/remotePeer.ts). */
async function ask<T>(ctl: RTCDataChannel, command: object): Promise<T> {
  const reply = nextMessage(ctl);
  ctl.send(JSON.stringify(command));
  return JSON.parse(
    await Promise.race([reply, new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(command)}`)), MESH_TIMEOUT_MS * 3))]),
  ) as T;
}

function pattern(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, size >>> 2);
  for (let i = 0; i < words.length; i += 1) words[i] = Math.imul(i + 1, 2654435761) ^ seed;
  for (let i = words.length * 4; i < size; i += 1) bytes[i] = i & 0xff;
  return bytes;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

describe('PeerChannel across engines (Chromium and Firefox)', function () {
  this.timeout(240_000);
  const tracker = new PoolTracker();
  let remote: RemotePeer | null = null;
  afterEach(async () => {
    tracker.closeAll();
    if (remote) await remotePeers.stop(remote);
    remote = null;
  });

  /** This engine's pool with the other engine's remote peer; the connection to it and its control channel. */
  async function meet(): Promise<{ connection: ManagedConnection; ctl: RTCDataChannel }> {
    const name = uniquePool('xpch');
    const pool = tracker.create();
    await pool.join(name);
    remote = await remotePeers.start(otherEngine(), name);
    const [connection] = await Promise.race([
      connectionsOf(pool, 1),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the ${otherEngine()} peer never joined`)), MESH_TIMEOUT_MS * 2)),
    ]);
    const ctl = await connection!.dataChannel('ctl', { timeout: MESH_TIMEOUT_MS * 2 });
    return { connection: connection!, ctl };
  }

  /** Both ends of `label` at once (a glare across engines): ours, once the remote peer echoes on its end. */
  async function echoChannel(connection: ManagedConnection, ctl: RTCDataChannel, label: string): Promise<PeerChannel> {
    const [channel] = await Promise.all([connection.channel(label, { maxMessageBytes: 64 * MiB }), ask(ctl, { op: 'peerChannel', label })]);
    return channel;
  }

  it('a 48 MiB message among 1000 small ones goes to the other engine and back whole, in order, every byte equal', async () => {
    const { connection, ctl } = await meet();
    const channel = await echoChannel(connection, ctl, 'echo');
    const big = pattern(48 * MiB, 11);
    const back = firstValueFrom(channel.messages$.pipe(take(1001), toArray()));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 1000; i += 1) {
      if (i === 500) sends.push(channel.send(new Blob([big])));
      sends.push(channel.send(i % 2 === 0 ? `small ${i} ✓` : pattern(1024, i)));
    }
    await Promise.all(sends);
    const messages = await back;
    for (let i = 0, m = 0; i < 1000; i += 1, m += 1) {
      if (i === 500) {
        expect(equalBytes(new Uint8Array(messages[m] as ArrayBuffer), big), 'the big message').to.equal(true);
        m += 1;
      }
      if (i % 2 === 0) expect(messages[m]).to.equal(`small ${i} ✓`);
      else expect(equalBytes(new Uint8Array(messages[m] as ArrayBuffer), pattern(1024, i)), `message ${i}`).to.equal(true);
    }
    expect((await ask<{ errors: string[] }>(ctl, { op: 'errors' })).errors).to.deep.equal([]);
  });

  it('the other engine refuses a message over its limit and its channel stays usable', async () => {
    const { connection, ctl } = await meet();
    const channel = await echoChannel(connection, ctl, 'limited');
    const back = firstValueFrom(channel.messages$);
    await channel.send(new Uint8Array(65 * MiB));
    await channel.send('still here');
    expect(await back).to.equal('still here');
    const { errors } = await ask<{ errors: string[] }>(ctl, { op: 'errors' });
    expect(errors.length).to.equal(1);
    expect(errors[0]).to.match(/^too-large: /);
  });
});
