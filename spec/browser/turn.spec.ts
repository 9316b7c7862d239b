import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { Pool, signalling, type RtcPoolError } from '../../src';
import { uniquePool } from './support/environment';
import { connectionsOf, exchange, peerConnectionMark, peerConnectionsSince, settle } from './support/pools';

/** What the karma set-up hands the page about the real TURN server (karmaTurnFramework.cjs). */
declare const __karma__: { readonly config: { readonly controlUrl: string; readonly turn: { readonly url: string; readonly secret: string } } };

/** Only relayed candidates, and no ICE servers of the app's own: what the server hands out is all there is. */
const RELAY_ONLY: RTCConfiguration = { iceServers: [], iceTransportPolicy: 'relay' };

/** Starts a signalling server of the test set-up's that hands out TURN credentials. */
async function turnSignallingServer(turn: { secret: string; ttlSeconds?: number }): Promise<string> {
  const response = await fetch(`${__karma__.config.controlUrl}/servers`, {
    method: 'POST',
    body: JSON.stringify({ turn: { urls: [__karma__.config.turn.url], ...turn } }),
  });
  return ((await response.json()) as { url: string }).url;
}

/**
 * The local candidate type of the pair in use on each peer connection made since `mark`: the
 * transport's selected pair (Chromium), or the nominated, succeeded one (Firefox has no
 * `selectedCandidatePairId`).
 */
async function selectedCandidateTypes(mark: number): Promise<string[]> {
  const types: string[] = [];
  for (const pc of peerConnectionsSince(mark)) {
    if (pc.signalingState === 'closed') continue;
    const stats = await pc.getStats();
    const byId = new Map<string, { type: string; [key: string]: unknown }>();
    stats.forEach((report: { id: string; type: string }) => byId.set(report.id, report));
    const reports = [...byId.values()];
    const selectedId = reports.find((report) => report.type === 'transport' && report['selectedCandidatePairId'])?.['selectedCandidatePairId'];
    const pair = selectedId
      ? byId.get(String(selectedId))
      : reports.find((report) => report.type === 'candidate-pair' && report['state'] === 'succeeded' && report['nominated'] === true);
    types.push(String(pair && byId.get(String(pair['localCandidateId']))?.['candidateType']));
  }
  return types;
}

describe('TURN credentials from the signalling server', function () {
  this.timeout(60_000);
  const pools: Pool[] = [];
  const errors: RtcPoolError[] = [];

  function create(url: string): Pool {
    const pool = new Pool(RELAY_ONLY, new signalling.websocket(url));
    pool.errors$.subscribe((error) => errors.push(error));
    pools.push(pool);
    return pool;
  }

  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
    errors.splice(0);
  });

  it('connects pools that allow only relayed candidates through the credentials the server handed out', async () => {
    const url = await turnSignallingServer({ secret: __karma__.config.turn.secret });
    const mark = peerConnectionMark();
    const name = uniquePool('turn');
    const [a, b] = [create(url), create(url)];
    await a.join(name);
    await b.join(name);
    await Promise.all([connectionsOf(a, 1), connectionsOf(b, 1)]);
    expect(await exchange(a, b, 'through-turn')).to.equal(`through-turn from ${a.id}`);
    const types = await selectedCandidateTypes(mark);
    expect(types).to.have.length(2);
    expect(types.every((type) => type === 'relay'), `selected candidate types: ${types.join(', ')}`).to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('renews credentials before they expire, so peers that arrive after the first ones expired still connect through TURN', async () => {
    const ttlSeconds = 4;
    const url = await turnSignallingServer({ secret: __karma__.config.turn.secret, ttlSeconds });
    const name = uniquePool('turn-renew');
    const [a, b] = [create(url), create(url)];
    await a.join(name);
    await b.join(name);
    await Promise.all([connectionsOf(a, 1), connectionsOf(b, 1)]);
    // past the first credentials' expiry: a and b make their connections to c with renewed ones
    await settle(ttlSeconds * 1000 + 1_500);
    const mark = peerConnectionMark();
    const c = create(url);
    await c.join(name);
    await Promise.all([connectionsOf(a, 2), connectionsOf(b, 2), connectionsOf(c, 2)]);
    expect(await exchange(a, c, 'renewed')).to.equal(`renewed from ${a.id}`);
    expect(await exchange(c, b, 'renewed')).to.equal(`renewed from ${c.id}`);
    const types = await selectedCandidateTypes(mark);
    expect(types.length).to.be.at.least(4);
    expect(types.every((type) => type === 'relay'), `selected candidate types: ${types.join(', ')}`).to.equal(true);
    expect(errors.filter((error) => error.code === 'ice-server')).to.deep.equal([]);
  });

  it('reports a TURN server that refuses the credentials as one ice-server error per pool, with its URL and code 401', async () => {
    const url = await turnSignallingServer({ secret: 'not-the-secret-the-turn-server-has' });
    const name = uniquePool('turn-refused');
    const trio = [create(url), create(url), create(url)];
    const first = firstValueFrom(trio[0]!.errors$.pipe(filter((error) => error.code === 'ice-server'), take(1), timeout(10_000)));
    for (const pool of trio) await pool.join(name);
    const error = await first;
    expect(error.reason).to.equal('401');
    // Chromium gives the URL as configured, Firefox without its query (`?transport=udp`)
    const withoutQuery = __karma__.config.turn.url.split('?')[0]!;
    expect(error.url?.split('?')[0]).to.equal(withoutQuery);
    expect(error.message).to.contain(withoutQuery);
    // two connections per pool, a candidate per local address each, gathering again: one cause
    await settle(3_000);
    const refusals = errors.filter((each) => each.code === 'ice-server');
    expect(refusals.map((each) => each.reason)).to.deep.equal(['401', '401', '401']);
  });
});
