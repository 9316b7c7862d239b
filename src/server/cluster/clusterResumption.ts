import type { PeerDescription, PeerId, ResumeMessage, ServerMessage } from '../../signalling/messages';
import { encodeServerFrame, Outbox } from '../outbox';
import type { Refusal } from '../poolRegistry';
import { failed, redeliver, type ResumeSockets, type SessionResumption } from '../resumption';
import { randomTag, type ResumeTokens } from '../resumeTokens';
import type { ServerClient } from '../serverClient';
import type { ClusterRegistry, InboxResumption, Numbered } from './clusterRegistry';

/**
 * How long a node that took over a member waits for the node that held it to hand over what it
 * kept. A node that died without a goodbye hands over nothing; the member's new messages then go
 * out after this wait, and what the dead node kept is lost with it.
 */
export const HANDOVER_TIMEOUT_MS = 2_000;

/**
 * Messages that may wait for a hand-over: past this many, the node stops waiting and sends them
 * (numbered after what the member saw), so a member under a storm costs a bounded amount.
 */
export const HANDOVER_HOLD_LIMIT = 1_000;

const UNAVAILABLE: Refusal = { reason: 'cluster-unavailable', message: 'the cluster state (Redis) is unreachable; try again' };

/** A resume under way on this node: what arrives for the member waits for the hand-over. */
interface Takeover {
  readonly fresh: ServerClient;
  readonly early: Numbered[];
  timer: NodeJS.Timeout | null;
  /** The script answered: the member is this node's. */
  moved: boolean;
}

/**
 * Session resume in a cluster: a member may resume on any node. Redis is the authority on
 * whether a token still resumes (the member's one good nonce, the pool's life); the script that
 * checks it moves the membership to the node the member came back on and tells the node that held
 * it, which hands over on the bus what the member has not seen (its numbered frames and what it
 * kept while the member was away). Numbering goes on from there, so the member's replay filter
 * drops nothing new. Until the hand-over arrives, what is sent to the member waits, in order.
 */
export class ClusterResumption implements SessionResumption, InboxResumption {
  readonly #takeovers = new Map<PeerId, Takeover>();

  readonly #tokens: ResumeTokens;
  readonly #registry: ClusterRegistry;
  readonly #sockets: ResumeSockets;

  constructor(
    tokens: ResumeTokens,
    registry: ClusterRegistry,
    sockets: ResumeSockets,
  ) {
    this.#tokens = tokens;
    this.#registry = registry;
    this.#sockets = sockets;
    registry.resumption = this;
  }

  /** The token of `member`'s current nonce (set by the join or the last resume; Redis has it too). */
  issue(member: ServerClient): string | undefined {
    const seat = this.#registry.seatOf(member.id);
    if (!seat || member.pool === null || member.nonce === null) return undefined;
    return this.#tokens.issue({ id: member.id, pool: member.pool, instance: seat.instance, nonce: member.nonce }, member.principal);
  }

  resume(fresh: ServerClient, message: ResumeMessage): Refusal | null | Promise<Refusal | null> {
    const { data } = message;
    if (fresh.pool !== null) return { reason: 'already-joined', message: `already a member of pool '${fresh.pool}'` };
    const claims = this.#tokens.verify(data.id, data.pool, data.token, fresh.principal);
    if (claims === 'invalid') return failed('the resume token does not match this member, pool and principal');
    if (claims === 'expired') return failed('the resume token has expired');
    if (this.#sockets.clients.get(data.id) === fresh) return failed('a socket cannot resume itself');
    if (this.#takeovers.has(data.id)) return failed('a resume of that member is under way');
    const takeover: Takeover = { fresh, early: [], timer: null, moved: false };
    this.#takeovers.set(data.id, takeover);
    const done = this.#take(fresh, data, claims.instance, claims.nonce, takeover);
    this.#registry.resuming(fresh, done);
    return done;
  }

  hold(id: PeerId, message: ServerMessage, seq: number): boolean {
    const takeover = this.#takeovers.get(id);
    if (!takeover) return false;
    takeover.early.push([message, seq]);
    if (takeover.moved && takeover.early.length > HANDOVER_HOLD_LIMIT) this.#settle(id, takeover);
    return true;
  }

  control(kind: string, id: PeerId, pool: string, fields: ReadonlyMap<string, string>): void {
    if (kind === 'moved') this.#handOver(id, pool, fields.get('node') ?? '', Number(fields.get('last') ?? 0));
    else if (kind === 'handover') this.#takeOver(id, Number(fields.get('seq') ?? 0), fields.get('frames') ?? '[]');
  }

  /** Runs the resume script, and makes `fresh` the member if it says so. */
  async #take(fresh: ServerClient, data: ResumeMessage['data'], instance: string, nonce: string, takeover: Takeover): Promise<Refusal | null> {
    const node = this.#registry.link.node;
    const next = randomTag();
    const last = data.last ?? 0;
    let reply: string[];
    try {
      // not queued while Redis is away: a resume that waited might be answered after the client
      // gave up on it; refused at once, the client tries again (with backoff) while its place lasts
      reply = (await this.#registry.link.runNow('rtcResume', [node, data.id, data.pool, instance, nonce, next, last, data.ack ? 1 : 0])) as string[];
    } catch {
      this.#settle(data.id, takeover);
      return UNAVAILABLE;
    }
    const [status, old, created, own, counter, complete, count, ...rest] = reply as [string, string, string, string, string, string, string, ...string[]];
    if (status !== 'ok') {
      this.#settle(data.id, takeover);
      if (status === 'lost') return failed('some of what the member had not seen was kept only by its node, which is gone');
      return failed(status === 'used' ? 'the resume token was used already: each resumes once' : 'that membership has ended');
    }
    // what Redis kept for a member that acknowledges: [seq, message JSON] after `last`
    const kept = rest.slice(0, 2 * Number(count));
    const descs = rest.slice(2 * Number(count));
    // the member is this node's now, even if its socket went meanwhile: then it leaves from here
    const known = this.#sockets.clients.get(data.id);
    if (old === node && known && known !== fresh && known.pool === data.pool) {
      known.nonce = next;
      this.#settle(data.id, takeover);
      if (fresh.doomed) return null;
      this.#sockets.rebind(known, fresh);
      redeliver(known, this.#resumed(known, descs), data.ack === true, last);
      return null;
    }
    const description = JSON.parse(own) as PeerDescription;
    const freshDescription = fresh.description;
    fresh.description = description;
    if (fresh.doomed) {
      // its socket closed while the script ran: the member is this node's, and leaves from here
      this.#settle(data.id, takeover);
      fresh.id = data.id;
      fresh.pool = data.pool;
      this.#registry.seat(fresh.id, { instance, created });
      this.#registry.leave(fresh);
      return null;
    }
    this.#sockets.clients.delete(fresh.id);
    fresh.id = data.id;
    this.#sockets.clients.set(fresh.id, fresh);
    fresh.pool = data.pool;
    fresh.nonce = next;
    // Redis keeps what the member asked at join; this node needs it to put the member back, and to take its standing offers
    fresh.offerer = data.offerer === true;
    fresh.takesStanding = data.standing === true;
    // numbering goes on from what the member saw; the hand-over's frames come after it
    fresh.outbox = data.ack ? new Outbox(true, last) : null;
    this.#registry.seat(fresh.id, { instance, created });
    takeover.moved = true;
    fresh.send(this.#resumed(fresh, descs));
    // the description is what the hook says now; without a hook there is nothing fresher than the old one
    if (this.#sockets.describesOnResume && JSON.stringify(freshDescription) !== own) this.#registry.describe(fresh, freshDescription);
    if (complete === '1' && fresh.outbox) {
      // Redis kept every numbered message the member did not see: no node's hand-over is needed
      // (it comes all the same, and finds the takeover over), so a dead node loses nothing
      this.#replayKept(fresh, fresh.outbox, kept, Number(counter));
      this.#settle(fresh.id, takeover);
    } else if (old === node) this.#settle(fresh.id, takeover);
    else takeover.timer = setTimeout(() => this.#settle(fresh.id, takeover), HANDOVER_TIMEOUT_MS);
    return null;
  }

  /** Sends what Redis kept for `member`, numbered as it was, and keeps it until acknowledged. */
  #replayKept(member: ServerClient, outbox: Outbox, kept: readonly string[], counter: number): void {
    const frames: [number, string][] = [];
    for (let i = 0; i < kept.length; i += 2) frames.push([Number(kept[i]), encodeServerFrame(JSON.parse(kept[i + 1]!) as ServerMessage, Number(kept[i]))]);
    for (const [, frame] of frames) member.write(frame);
    outbox.adopt(frames);
    outbox.continueAfter(counter);
  }

  #resumed(member: ServerClient, descs: readonly string[]): ServerMessage {
    const descriptions: { [id: PeerId]: PeerDescription } = {};
    for (let i = 0; i < descs.length; i += 2) descriptions[descs[i]!] = JSON.parse(descs[i + 1]!) as PeerDescription;
    return {
      type: 'rtc:resumed',
      data: {
        client_id: member.id,
        peers: Object.keys(descriptions),
        descriptions,
        pool: member.pool!,
        token: this.issue(member),
        ...this.#sockets.iceServers(member),
      },
    };
  }

  /** This node held `id`, which resumed on `node`: hand over what it has not seen, and forget it here. */
  #handOver(id: PeerId, pool: string, node: string, last: number): void {
    const known = this.#sockets.clients.get(id);
    const mine = known !== undefined && known.pool === pool;
    const frames = mine ? (known.outbox?.unseen(last) ?? []) : [];
    const seq = mine ? (known.outbox?.lastSeq ?? last) : last;
    // sent even when there is nothing: the new node then goes on without waiting
    void this.#registry.link.run('rtcHandover', [node, id, pool, seq, JSON.stringify(frames)], true).catch(() => {});
    if (!mine) return;
    this.#registry.seat(id, undefined);
    this.#sockets.handOff(known);
  }

  /** What the node that held `id` kept, now this node's: out first, then what waited. */
  #takeOver(id: PeerId, seq: number, raw: string): void {
    const takeover = this.#takeovers.get(id);
    if (!takeover?.moved) return;
    const member = takeover.fresh;
    let frames: [number, string][] = [];
    try {
      frames = (JSON.parse(raw) as [number, string][]).filter(([n, frame]) => Number.isSafeInteger(n) && typeof frame === 'string');
    } catch {
      // a node of another version: nothing to replay
    }
    for (const [, frame] of frames) member.write(frame);
    member.outbox?.adopt(frames);
    member.outbox?.continueAfter(seq);
    this.#settle(id, takeover);
  }

  /** The takeover is over: what waited goes out (numbered after the hand-over). */
  #settle(id: PeerId, takeover: Takeover): void {
    if (this.#takeovers.get(id) !== takeover) return;
    if (takeover.timer) clearTimeout(takeover.timer);
    this.#takeovers.delete(id);
    if (!takeover.moved) return;
    const pool = takeover.fresh.pool;
    if (pool === null) return;
    for (const [message, seq] of takeover.early) this.#registry.deliverTo(id, pool, message, seq);
  }
}
