import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type PoolChannel } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer, type SignallingServer } from '../../../src/server';

const MESH_TIMEOUT_MS = 30_000;

const reaches = (channel: PoolChannel, count: number): Promise<unknown> =>
  firstValueFrom(channel.peers$.pipe(filter((ids) => ids.length === count), take(1), timeout(MESH_TIMEOUT_MS)));

describe('PoolChannel between Node peers (rtcpool/node)', function () {
  this.timeout(60_000);
  let server: SignallingServer;
  const pools: Pool[] = [];
  beforeEach(async () => {
    server = await createSignallingServer();
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    await server.close();
  });

  it('carries every member’s broadcasts whole and in order, big ones included, and `to` reaches only the named', async () => {
    const channels: PoolChannel[] = [];
    for (let i = 0; i < 3; i += 1) {
      const pool = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection });
      pools.push(pool);
      channels.push(pool.channel('room'));
      await pool.join('node-room');
    }
    await Promise.all(channels.map((channel) => reaches(channel, 2)));
    const heard = channels.map(() => new Map<string, string[]>());
    channels.forEach((channel, i) =>
      channel.messages$.subscribe(({ from, data }) => {
        const list = heard[i]!.get(from) ?? [];
        list.push(typeof data === 'string' ? data : `bin:${data.byteLength}`);
        heard[i]!.set(from, list);
      }),
    );
    const ROUNDS = 12;
    await Promise.all(channels.map(async (channel, sender) => {
      for (let i = 0; i < ROUNDS; i += 1) await channel.send(i % 4 === 3 ? new Uint8Array(300_000 + sender) : `${sender}:${i}`);
    }));
    await channels[0]!.send('only to 1', { to: [pools[1]!.id!] });
    const expected = (sender: number): string[] =>
      Array.from({ length: ROUNDS }, (_, i) => (i % 4 === 3 ? `bin:${300_000 + sender}` : `${sender}:${i}`));
    const deadline = Date.now() + MESH_TIMEOUT_MS;
    const complete = (): boolean =>
      heard.every((map, receiver) => pools.every((pool, sender) => sender === receiver || (map.get(pool.id!)?.length ?? 0) >= ROUNDS)) &&
      (heard[1]!.get(pools[0]!.id!)?.length ?? 0) > ROUNDS;
    while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const [receiver, map] of heard.entries()) {
      for (const [sender, pool] of pools.entries()) {
        if (sender === receiver) continue;
        const tail = receiver === 1 && sender === 0 ? ['only to 1'] : [];
        expect(map.get(pool.id!), `${receiver} from ${sender}`).to.deep.equal([...expected(sender), ...tail]);
      }
    }
  });
});
