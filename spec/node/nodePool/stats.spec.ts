import { expect } from 'chai';
import { filter, firstValueFrom, take, takeWhile, timeout, toArray } from 'rxjs';
import { WebSocket } from 'ws';
import { Pool, signalling, type ConnectionStats, type ManagedConnection } from '../../../src';
import { RTCPeerConnection } from '../../../src/node';
import { createSignallingServer, type SignallingServer } from '../../../src/server';

const WAIT_MS = 15_000;
const INTERVAL_MS = 200;

const connected = (pool: Pool): Promise<ManagedConnection> =>
  firstValueFrom(pool.connections$.pipe(filter((list) => list.length === 1), take(1), timeout(WAIT_MS))).then(([connection]) => connection!);

/** The next sample of `connection` that `test` accepts. */
const sampleWhere = (connection: ManagedConnection, test: (stats: ConnectionStats) => boolean): Promise<ConnectionStats> =>
  firstValueFrom(connection.stats$.pipe(filter(test), take(1), timeout(WAIT_MS)));

describe('ManagedConnection.stats$ of Node peers (rtcpool/node)', function () {
  this.timeout(30_000);
  let server: SignallingServer;
  const pools: Pool[] = [];
  const nodePool = (): Pool => {
    const pool = new Pool({ iceServers: [] }, new signalling.websocket(server.url, { WebSocket }), { RTCPeerConnection, statsIntervalMs: INTERVAL_MS });
    pools.push(pool);
    return pool;
  };
  beforeEach(async () => {
    server = await createSignallingServer();
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) pool.close();
    await server.close();
  });

  it('gives host/host, SCTP\'s rtt, and byte counts and bitrates that follow the data sent, at the pool\'s statsIntervalMs', async () => {
    const [a, b] = [nodePool(), nodePool()];
    await a.join('node-stats');
    await b.join('node-stats');
    const [ab, ba] = await Promise.all([connected(a), connected(b)]);
    const channel = await ab.dataChannel('bulk');
    const before = await sampleWhere(ab, (stats) => stats.rttMs !== null);
    expect(before.localCandidateType).to.equal('host');
    expect(before.remoteCandidateType).to.be.oneOf(['host', 'prflx']);
    expect(before.rttMs).to.be.within(0, 1_000);
    // every sample until the 200 kB sent show: 20 messages of 10 kB, 50 ms apart (about 1 s)
    const during = firstValueFrom(
      ab.stats$.pipe(
        takeWhile((stats) => stats.bytesSent < before.bytesSent + 200_000, true),
        toArray(),
        timeout(WAIT_MS),
      ),
    );
    for (let i = 0; i < 20; i += 1) {
      channel.send('x'.repeat(10_000));
      await new Promise((done) => setTimeout(done, 50));
    }
    const samples = await during;
    expect(samples.length).to.be.at.least(2);
    for (let i = 1; i < samples.length; i += 1) expect(samples[i]!.bytesSent).to.be.at.least(samples[i - 1]!.bytesSent);
    expect(samples.slice(1).some((stats) => stats.sendBitrate !== null && stats.sendBitrate > 0)).to.equal(true);
    // node-datachannel counts data channel payload: the receiver counts what it got
    const atReceiver = await sampleWhere(ba, (stats) => stats.bytesReceived >= 200_000);
    expect(atReceiver.localCandidateType).to.equal('host');
    // the answering side often hears the offerer's checks before its candidate: the same host
    // address, learnt from the checks (peer-reflexive); never a server's (srflx, relay)
    expect(atReceiver.remoteCandidateType).to.be.oneOf(['host', 'prflx']);
  });

  it('completes when the peer leaves', async () => {
    const [a, b] = [nodePool(), nodePool()];
    await a.join('node-stats-leave');
    await b.join('node-stats-leave');
    const ab = await connected(a);
    await connected(b);
    const all = firstValueFrom(ab.stats$.pipe(toArray(), timeout(WAIT_MS)));
    await sampleWhere(ab, (stats) => stats.localCandidateType !== null);
    b.close();
    const samples = await all;
    expect(samples.length).to.be.at.least(1);
  });
});
