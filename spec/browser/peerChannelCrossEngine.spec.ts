import { expect } from 'chai';
import { firstValueFrom, take, toArray } from 'rxjs';
import type { ManagedConnection, PeerChannel } from '../../src';
import { otherEngine, remotePeers, uniquePool, type RemotePeer } from './support/environment';
import { equalBytes, pattern } from './support/bytes';
import { PoolTracker } from './support/pools';
import { ask, remoteControl } from './support/remoteControl';

const MiB = 1024 * 1024;

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
    return remoteControl(pool);
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
