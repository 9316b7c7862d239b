import { expect } from 'chai';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import type { Pool } from '../../../src';
import type { RelayCount, RelayCounts } from './environment';
import { connectionsOf, MESH_TIMEOUT_MS, peerConnectionsSince, settle } from './pools';

/** Anything with a signalling id: one of our pools, or a 3.0.2 one. */
export interface Member {
  readonly id: string | null;
}

/**
 * Every connection of every pool is connected, then nothing is relayed for `quietMs` (long
 * enough for any late offer to go out: a held one, or one back), and every peer connection made
 * since `mark` is stable but the `standing` ones: each pool that keeps a standing offer has one
 * connection in have-local-offer.
 */
export async function settled(pools: Pool[], mark: number, quietMs: number, standing = 0): Promise<void> {
  await Promise.all(pools.map((pool) => connectionsOf(pool, pools.length - 1)));
  await Promise.all(
    pools.flatMap((pool) =>
      pool.connections.map((connection) =>
        firstValueFrom(connection.state$.pipe(filter((state) => state === 'connected'), take(1), timeout(MESH_TIMEOUT_MS))),
      ),
    ),
  );
  await settle(quietMs);
  const states = peerConnectionsSince(mark).map((pc) => pc.signalingState);
  expect(states.filter((state) => state === 'have-local-offer').length, 'offers standing or unanswered').to.equal(standing);
  expect(states).to.not.include('have-remote-offer');
}

const NONE: RelayCount = { offers: 0, standingOffers: 0, answers: 0, rollbacks: 0, candidates: 0, endOfCandidates: 0, duplicateCandidates: 0 };

/** The relays of one unordered pair, as seen from the older peer: `out` older → newcomer, `back` newcomer → older. */
function pairOf(counts: RelayCounts, older: Member, newcomer: Member): { out: RelayCount; back: RelayCount } {
  return { out: { ...NONE, ...counts[`${older.id}>${newcomer.id}`] }, back: { ...NONE, ...counts[`${newcomer.id}>${older.id}`] } };
}

/** What {@link wrongCounts} expects besides one offer and one answer per pair. */
export interface Expected {
  /** Offers the newcomer makes back (each answered): what the answer could not carry. */
  readonly offersBack?: number;
  /** Check the candidates too (each once, one end-of-candidates each way): not for 3.0.2 peers, which relay their own way. */
  readonly candidates?: boolean;
}

/**
 * Everything wrong with what the server relayed for a mesh of `pools` (in join order); empty
 * when the older peer of every pair offered once and the newcomer answered once (and offered
 * back `offersBack` times, answered), with no rollback, each candidate went once, with one
 * end-of-candidates each way.
 */
export function wrongCounts(counts: RelayCounts, pools: readonly Member[], { offersBack = 0, candidates = true }: Expected = {}): string[] {
  const wrong: string[] = [];
  const ids = new Set(pools.map((pool) => pool.id));
  for (const key of Object.keys(counts)) {
    const [from, to] = key.split('>');
    // earlier specs' pools used the same server; a relay between one of these and a stranger is wrong
    if (ids.has(from!) !== ids.has(to!)) wrong.push(`relay between a peer of this mesh and a stranger: ${key}`);
  }
  for (let o = 0; o < pools.length; o += 1) {
    for (let n = o + 1; n < pools.length; n += 1) {
      const { out, back } = pairOf(counts, pools[o]!, pools[n]!);
      const pair = `pool ${o} > pool ${n}`;
      // the older peer offers once; the newcomer answers, and offers only what the answer could not carry
      const expected = { out: { offers: 1, answers: offersBack }, back: { offers: offersBack, answers: 1 } };
      const seen = { out: { offers: out.offers, answers: out.answers }, back: { offers: back.offers, answers: back.answers } };
      if (JSON.stringify(seen) !== JSON.stringify(expected)) wrong.push(`${pair}: descriptions ${JSON.stringify(seen)}, not ${JSON.stringify(expected)}`);
      for (const [way, count] of [['out', out], ['back', back]] as const) {
        if (count.rollbacks > 0) wrong.push(`${pair} ${way}: ${count.rollbacks} rollback(s)`);
        if (!candidates) continue;
        if (count.duplicateCandidates > 0) wrong.push(`${pair} ${way}: ${count.duplicateCandidates} candidate(s) relayed twice`);
        if (count.candidates === 0) wrong.push(`${pair} ${way}: no candidate`);
        if (count.endOfCandidates !== 1) wrong.push(`${pair} ${way}: ${count.endOfCandidates} end-of-candidates for one ICE generation`);
      }
    }
  }
  return wrong;
}

/** Fails with every wrong count listed (chai would cut a long list short). */
export function expectRight(wrong: string[]): void {
  expect(wrong, `\n${wrong.join('\n')}\n`).to.deep.equal([]);
}

/**
 * For members that joined at once: their order of admission, read off the server's relays.
 * The members a newcomer offered to or answered are older: a member's place is how many it
 * answered, so this holds even when a pair glared and both sides offered.
 */
export function admissionOrder<M extends Member>(pools: readonly M[], counts: RelayCounts): M[] {
  const older = (pool: M): number => pools.filter((other) => (counts[`${pool.id}>${other.id}`]?.answers ?? 0) > 0).length;
  return [...pools].sort((a, b) => older(a) - older(b));
}
