import { expect } from 'chai';
import { filter, firstValueFrom, take, takeWhile, timeout, toArray } from 'rxjs';
import { callQuality, throughTurn } from '../../examples/call-quality';
import { MIN_STATS_INTERVAL_MS, Pool, signalling, type ConnectionStats, type ManagedConnection } from '../../src';
import { signallingUrl, uniquePool } from './support/environment';
import { connectionsOf, incomingChannel, link, MESH_TIMEOUT_MS, PoolTracker, settle } from './support/pools';

/** What the karma set-up hands the page about the real TURN server (karmaTurnFramework.cjs). */
declare const __karma__: { readonly config: { readonly controlUrl: string; readonly turn: { readonly url: string; readonly secret: string } } };

const INTERVAL_MS = 200;

/** The next sample of `connection` that `test` accepts. */
const sampleWhere = (connection: ManagedConnection, test: (stats: ConnectionStats) => boolean): Promise<ConnectionStats> =>
  firstValueFrom(connection.stats$.pipe(filter(test), take(1), timeout(MESH_TIMEOUT_MS)));

/** Every call of `getStats()` on any peer connection of the page, counted while `counting` runs. */
function countGetStats(): { readonly calls: () => number; restore(): void } {
  const original = RTCPeerConnection.prototype.getStats;
  let calls = 0;
  RTCPeerConnection.prototype.getStats = function (this: RTCPeerConnection, ...args: Parameters<RTCPeerConnection['getStats']>) {
    calls += 1;
    return original.apply(this, args);
  } as RTCPeerConnection['getStats'];
  return { calls: () => calls, restore: () => (RTCPeerConnection.prototype.getStats = original) };
}

describe('ManagedConnection.stats$', function () {
  this.timeout(60_000);
  const tracker = new PoolTracker();
  let counter: ReturnType<typeof countGetStats> | undefined;

  afterEach(() => {
    counter?.restore();
    counter = undefined;
    tracker.closeAll();
  });

  async function pair(name: string): Promise<[Pool, Pool]> {
    const a = tracker.create(signallingUrl(), { statsIntervalMs: INTERVAL_MS });
    const b = tracker.create(signallingUrl(), { statsIntervalMs: INTERVAL_MS });
    await a.join(name);
    await b.join(name);
    await Promise.all([connectionsOf(a, 1), connectionsOf(b, 1)]);
    return [a, b];
  }

  it('shows host candidates without TURN, an rtt, and byte counts and bitrates that grow while data flows', async () => {
    const [a, b] = await pair(uniquePool('stats-host'));
    const [ab, ba] = [link(a, b), link(b, a)];
    const incoming = incomingChannel(ba, 'bulk');
    const channel = await ab.dataChannel('bulk');
    await incoming;
    for (const connection of [ab, ba]) {
      const stats = await sampleWhere(connection, (each) => each.localCandidateType !== null && each.rttMs !== null);
      expect(stats.localCandidateType).to.equal('host');
      // the answering side may hear the offerer's checks before its candidate: the same host
      // address, learnt from the checks (peer-reflexive); never a server's (srflx, relay)
      expect(stats.remoteCandidateType).to.be.oneOf(['host', 'prflx']);
      expect(stats.rttMs).to.be.at.least(0).and.below(1_000);
    }
    const before = await firstValueFrom(ab.stats$.pipe(take(1)));
    const received = sampleWhere(ba, (stats) => stats.bytesReceived >= before.bytesSent + 320_000);
    // every sample of one subscription until 320 kB more went out: 20 messages of 16 kB, 50 ms apart
    const during = firstValueFrom(
      ab.stats$.pipe(
        takeWhile((stats) => stats.bytesSent < before.bytesSent + 320_000, true),
        toArray(),
        timeout(MESH_TIMEOUT_MS),
      ),
    );
    for (let i = 0; i < 20; i += 1) {
      channel.send(new Uint8Array(16_000));
      await settle(50);
    }
    const samples = await during;
    expect(samples.length).to.be.at.least(2);
    for (let i = 1; i < samples.length; i += 1) {
      expect(samples[i]!.bytesSent).to.be.at.least(samples[i - 1]!.bytesSent);
      expect(samples[i]!.timestamp).to.be.above(samples[i - 1]!.timestamp);
    }
    expect(samples[0]!.sendBitrate, 'the first sample of a subscription has nothing to compare with').to.equal(null);
    expect(samples.slice(1).some((stats) => stats.sendBitrate !== null && stats.sendBitrate > 0)).to.equal(true);
    // transport bytes: what went out plus DTLS, SCTP and UDP headers
    expect((await received).bytesReceived).to.be.at.least(before.bytesSent + 320_000);
  });

  it('shows relay candidates on both sides through the real TURN server (the README\'s throughTurn)', async () => {
    const response = await fetch(`${__karma__.config.controlUrl}/servers`, {
      method: 'POST',
      body: JSON.stringify({ turn: { urls: [__karma__.config.turn.url], secret: __karma__.config.turn.secret } }),
    });
    const { url } = (await response.json()) as { url: string };
    const relayOnly = (): Pool => {
      const pool = new Pool({ iceServers: [], iceTransportPolicy: 'relay' }, new signalling.websocket(url), { statsIntervalMs: INTERVAL_MS });
      tracker.pools.push(pool);
      return pool;
    };
    const name = uniquePool('stats-relay');
    const [a, b] = [relayOnly(), relayOnly()];
    await a.join(name);
    await b.join(name);
    await Promise.all([connectionsOf(a, 1), connectionsOf(b, 1)]);
    for (const connection of [link(a, b), link(b, a)]) {
      const stats = await sampleWhere(connection, (each) => each.localCandidateType !== null);
      expect(stats).to.include({ localCandidateType: 'relay', remoteCandidateType: 'relay' });
      expect(await firstValueFrom(throughTurn(connection).pipe(filter(Boolean), take(1), timeout(MESH_TIMEOUT_MS)))).to.equal(true);
    }
    expect(await firstValueFrom(callQuality(link(a, b)).pipe(take(1), timeout(MESH_TIMEOUT_MS)))).to.match(/ms, ↑ … ↓ …, relay → relay$/);
  });

  it('completes when the connection closes, and calls getStats() no more', async () => {
    const [a, b] = await pair(uniquePool('stats-close'));
    counter = countGetStats();
    const ab = link(a, b);
    const samples: ConnectionStats[] = [];
    const completed = new Promise<void>((done, fail) =>
      ab.stats({ intervalMs: MIN_STATS_INTERVAL_MS }).subscribe({ next: (stats) => samples.push(stats), error: fail, complete: done }),
    );
    await sampleWhere(ab, () => true);
    a.close();
    await completed;
    const calls = counter.calls();
    const seen = samples.length;
    await settle(5 * MIN_STATS_INTERVAL_MS);
    expect(counter.calls()).to.equal(calls);
    expect(samples).to.have.length(seen);
    expect(await firstValueFrom(ab.stats$.pipe(toArray()))).to.deep.equal([]);
  });

  it('leaves no timer and no getStats() behind after unsubscribe', async () => {
    const [a, b] = await pair(uniquePool('stats-unsubscribe'));
    counter = countGetStats();
    const ab = link(a, b);
    const samples = await firstValueFrom(ab.stats({ intervalMs: MIN_STATS_INTERVAL_MS }).pipe(take(3), toArray(), timeout(MESH_TIMEOUT_MS)));
    expect(samples).to.have.length(3);
    const calls = counter.calls();
    await settle(5 * MIN_STATS_INTERVAL_MS);
    expect(counter.calls()).to.equal(calls);
    expect(ab.state).to.equal('connected');
  });
});
