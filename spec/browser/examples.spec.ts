import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { startChat } from '../../examples/legacy-chat';
import { joinChat } from '../../examples/rxjs-chat';
import { fileTransfer } from '../../examples/file-transfer';
import { Pool, signalling } from '../../src';
import { signallingUrl, uniquePool } from './support/environment';
import { connectionsOf, settle } from './support/pools';

describe('README examples', () => {
  const pools: Pool[] = [];
  afterEach(() => pools.splice(0).forEach((pool) => pool.close()));

  it('the 3.x chat works as written', async () => {
    const room = uniquePool('legacy-chat');
    const heard: string[] = [];
    const alice = startChat(signallingUrl(), room, (_from, text) => heard.push(`alice heard ${text}`));
    pools.push(alice.pool);
    await new Promise((resolve) => (alice.pool.events.onjoin = resolve));
    const bob = startChat(signallingUrl(), room, (_from, text) => heard.push(`bob heard ${text}`));
    pools.push(bob.pool);
    await connectionsOf(alice.pool, 1);
    await connectionsOf(bob.pool, 1);
    // each side's own channel opens in its onpeer handler
    while (heard.length < 2) {
      await settle(20);
      alice.say('hi bob');
      bob.say('hi alice');
    }
    expect(heard).to.include.members(['alice heard hi alice', 'bob heard hi bob']);
  });

  it('the RxJS chat works as written', async () => {
    const room = uniquePool('rxjs-chat');
    const alice = joinChat(signallingUrl(), room);
    pools.push(alice.pool);
    await alice.joined;
    const bob = joinChat(signallingUrl(), room);
    pools.push(bob.pool);
    const roster = firstValueFrom(alice.roster$.pipe(filter((names) => names.length === 1), take(1)));
    const heard = firstValueFrom(alice.messages$.pipe(take(1), toArray()));
    const channel = await firstValueFrom(bob.outgoing$);
    await bob.joined;
    expect(await roster).to.deep.equal([bob.pool.id]);
    channel.send('hello from bob');
    expect(await heard).to.deep.equal([{ from: bob.pool.id, text: 'hello from bob' }]);
  });

  it('the file transfer works as written', async () => {
    const room = uniquePool('files');
    const a = new Pool({ iceServers: [] }, new signalling.websocket(signallingUrl()));
    const b = new Pool({ iceServers: [] }, new signalling.websocket(signallingUrl()));
    pools.push(a, b);
    await a.join(room);
    await b.join(room);
    const [ab] = await connectionsOf(a, 1);
    const [ba] = await connectionsOf(b, 1);
    const received = new Promise<Blob>((resolve) => void fileTransfer(ba!, resolve, () => undefined));
    const progress: number[] = [];
    const sender = await fileTransfer(ab!, () => undefined, (direction, fraction) => direction === 'send' && progress.push(fraction));
    const file = new Blob([new Uint8Array(3 * 1024 * 1024).fill(7)]);
    await sender.send(file);
    const got = new Uint8Array(await (await received).arrayBuffer());
    expect(got.length).to.equal(file.size);
    expect(got.every((byte) => byte === 7)).to.equal(true);
    expect(progress.at(-1)).to.equal(1);
  });
});
