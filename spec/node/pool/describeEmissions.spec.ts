import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type DescribeEvent, type ManagedConnection } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer, type SignallingServer } from '../../../src/server';
import { TestHub } from '../../../src/testing';

const WAIT_MS = 5_000;

/** Lets queued microtasks and timers run: the hub delivers a microtask later. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** What a pool shows the app: each `connections$` list, each `described$` event, each 3.x `describe` event. */
function watch(pool: Pool): { lists: ManagedConnection[][]; described: DescribeEvent[]; events: DescribeEvent[] } {
  const seen = { lists: [] as ManagedConnection[][], described: [] as DescribeEvent[], events: [] as DescribeEvent[] };
  pool.connections$.subscribe((list) => seen.lists.push(list));
  pool.described$.subscribe((event) => seen.described.push(event));
  pool.events.addEventListener('describe', (event) => seen.events.push((event as CustomEvent<DescribeEvent>).detail));
  return seen;
}

describe('PeerSet.describe', () => {
  const pools: Pool[] = [];
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
  });

  describe('with a TestHub', () => {
    let hub: TestHub;
    let alice: Pool;
    let bob: Pool;
    beforeEach(async () => {
      hub = new TestHub();
      alice = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Alice' }), { RTCPeerConnection });
      bob = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Bob' }), { RTCPeerConnection });
      pools.push(alice, bob);
      await alice.join('roster');
      await bob.join('roster');
      await firstValueFrom(alice.connections$.pipe(filter((list) => list.length === 1), take(1), timeout(WAIT_MS)));
    });

    it('connections$ emits a new list of the same connections when a description changes', async () => {
      const seen = watch(alice);
      const [before] = seen.lists;
      hub.describe(bob.id!, { name: 'Robert' });
      await settle();
      expect(seen.lists).to.have.length(2);
      const after = seen.lists[1]!;
      expect(after).to.not.equal(before);
      expect(after).to.have.length(1);
      expect(after[0]).to.equal(before![0]);
      expect(after[0]!.description).to.deep.equal({ name: 'Robert' });
      expect(seen.described.map((e) => e.description)).to.deep.equal([{ name: 'Robert' }]);
      expect(seen.events.map((e) => e.description)).to.deep.equal([{ name: 'Robert' }]);
    });

    it('connections$ stays quiet for the same description again (keys in any order); described$ and describe still report it', async () => {
      hub.describe(bob.id!, { name: 'Robert', role: 'host' });
      await settle();
      const seen = watch(alice);
      hub.describe(bob.id!, { name: 'Robert', role: 'host' });
      hub.describe(bob.id!, { role: 'host', name: 'Robert' });
      await settle();
      expect(seen.lists, 'only the replayed list').to.have.length(1);
      // as in 3.x: every rtc:describe the server sends is reported, changed or not
      expect(seen.described).to.have.length(2);
      expect(seen.events).to.have.length(2);
      hub.describe(bob.id!, { name: 'Robert', role: 'guest' });
      await settle();
      expect(seen.lists).to.have.length(2);
    });

    it('emits for a description that becomes null, and not for null again', async () => {
      const seen = watch(alice);
      hub.describe(bob.id!, null);
      await settle();
      hub.describe(bob.id!, null);
      await settle();
      expect(seen.lists).to.have.length(2);
      expect(seen.lists[1]![0]!.description).to.equal(null);
    });
  });

  describe('with the real server', () => {
    let server: SignallingServer;
    beforeEach(async () => {
      server = await createSignallingServer();
    });
    afterEach(async () => {
      await server.close();
    });

    it('connections$ re-emits when the server describes a member anew, and not when it repeats itself', async () => {
      const make = (): Pool => {
        const pool = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection });
        pools.push(pool);
        return pool;
      };
      const [alice, bob] = [make(), make()];
      await alice.join('roster');
      await bob.join('roster');
      await firstValueFrom(alice.connections$.pipe(filter((list) => list.length === 1), take(1), timeout(WAIT_MS)));
      const seen = watch(alice);
      server.describe(bob.id!, { name: 'Robert' });
      await firstValueFrom(alice.described$.pipe(take(1), timeout(WAIT_MS)));
      server.describe(bob.id!, { name: 'Robert' });
      await firstValueFrom(alice.described$.pipe(take(1), timeout(WAIT_MS)));
      expect(seen.lists).to.have.length(2);
      expect(seen.lists[1]![0]).to.equal(seen.lists[0]![0]);
      expect(seen.lists[1]![0]!.description).to.deep.equal({ name: 'Robert' });
      expect(seen.described).to.have.length(2);
    });
  });
});
