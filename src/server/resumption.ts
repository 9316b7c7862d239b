import type { IceServerFields, PeerId, ResumeMessage, ServerMessage } from '../signalling/messages';
import { Outbox } from './outbox';
import type { PoolRegistry, Refusal } from './poolRegistry';
import { randomTag, type ResumeTokens } from './resumeTokens';
import type { ServerClient } from './serverClient';

/** What a server's session resume needs from its sockets' keeper. */
export interface ResumeSockets {
  /** Every client, by id. */
  readonly clients: Map<PeerId, ServerClient>;
  /**
   * Puts `known` (a member this server holds) on `fresh`'s socket, with the description that
   * socket authenticated with; the old socket, if any, is cut.
   */
  rebind(known: ServerClient, fresh: ServerClient): void;
  /** Fresh ICE servers for a member, when the server hands any out. */
  iceServers(member: ServerClient): IceServerFields | null;
  /** An `authenticate` hook runs: a resume takes the description it gives (else the member keeps its own). */
  readonly describesOnResume: boolean;
  /** The member resumed on another node: it is no longer this one's, and does not leave its pool. */
  handOff(member: ServerClient): void;
}

/** What {@link Resumption} needs from the single server. */
export interface ResumeHost extends ResumeSockets {
  /** The pools. */
  readonly registry: PoolRegistry<ServerClient>;
}

/** Session resume as the server's sockets use it: the single server's, or a cluster's. */
export interface SessionResumption {
  /** A token for `member`'s membership (its `rtc:joined`), or none. */
  issue(member: ServerClient): string | undefined;
  /** Applies `rtc:resume` from `fresh`; a refusal (now or later) is the `rtc:error` to answer. */
  resume(fresh: ServerClient, message: ResumeMessage): Refusal | null | Promise<Refusal | null>;
  /** Forgets what has expired (what it keeps past a resume, if anything). */
  sweep?(): void;
}

/** A refused resume. */
export const failed = (message: string): Refusal => ({ reason: 'resume-failed', message });

/**
 * Session resume (our extension): which tokens still resume, and what a resume does. A token is
 * good once: each resume rotates the member's nonce and hands out a new token; leaving, the end of
 * the grace period and `stop()` end the membership, and with it every token for it. A member this
 * process does not know is readmitted only on a token issued before the process started (a restart),
 * once, and into the same life of the pool.
 */
export class Resumption implements SessionResumption {
  /** Members readmitted on a token of an earlier process, until that token expires: it may not serve twice. */
  readonly #readmitted = new Map<PeerId, number>();

  readonly #tokens: ResumeTokens;
  readonly #host: ResumeHost;

  constructor(
    tokens: ResumeTokens,
    host: ResumeHost,
  ) {
    this.#tokens = tokens;
    this.#host = host;
  }

  /** A new token for `member`'s membership; any earlier one no longer resumes. */
  issue(member: ServerClient): string | undefined {
    const instance = member.pool === null ? undefined : this.#host.registry.instanceOf(member.pool);
    if (instance === undefined) return undefined;
    member.nonce = randomTag();
    return this.#tokens.issue({ id: member.id, pool: member.pool!, instance, nonce: member.nonce }, member.principal);
  }

  /** Applies `rtc:resume` from `fresh` (a client that has not joined); a refusal is the `rtc:error` to answer. */
  resume(fresh: ServerClient, { data }: ResumeMessage): Refusal | null {
    if (fresh.pool !== null) return { reason: 'already-joined', message: `already a member of pool '${fresh.pool}'` };
    const claims = this.#tokens.verify(data.id, data.pool, data.token, fresh.principal);
    if (claims === 'invalid') return failed('the resume token does not match this member, pool and principal');
    if (claims === 'expired') return failed('the resume token has expired');
    const known = this.#host.clients.get(data.id);
    if (known === fresh) return failed('a socket cannot resume itself');
    if (known) {
      if (known.pool !== data.pool || known.doomed || known.nonce === null) return failed('that membership has ended');
      if (known.nonce !== claims.nonce) return failed('the resume token was used already: each resumes once');
      if (this.#host.registry.instanceOf(data.pool) !== claims.instance) return failed('that membership has ended');
      this.#host.rebind(known, fresh);
      redeliver(known, this.#host.registry.resumed(known, { token: this.issue(known), ...this.#host.iceServers(known) }), data.ack === true, data.last ?? 0);
      return null;
    }
    // a member this process never held, or no longer holds
    if (claims.epoch === this.#tokens.epoch) return failed('that membership has ended');
    if (this.#readmitted.has(data.id)) return failed('the resume token was used already: each resumes once');
    const freshId = fresh.id;
    this.#host.clients.delete(freshId);
    fresh.id = data.id;
    this.#host.clients.set(fresh.id, fresh);
    // numbering goes on from what the member last saw, so nothing new looks like a duplicate
    fresh.outbox = data.ack ? new Outbox(true, data.last ?? 0) : null;
    fresh.nonce = randomTag();
    fresh.offerer = data.offerer === true;
    fresh.takesStanding = data.standing === true;
    const token = this.#tokens.issue({ id: fresh.id, pool: data.pool, instance: claims.instance, nonce: fresh.nonce }, fresh.principal);
    const refusal = this.#host.registry.readmit(fresh, data.pool, claims.instance, { token });
    if (refusal) {
      this.#host.clients.delete(fresh.id);
      fresh.id = freshId;
      fresh.outbox = null;
      fresh.nonce = null;
      this.#host.clients.set(freshId, fresh);
      return refusal;
    }
    this.#readmitted.set(fresh.id, claims.expiresAt);
    return null;
  }

  /** Forgets readmissions whose tokens have expired. */
  sweep(now = Date.now()): void {
    for (const [id, expiresAt] of this.#readmitted) if (expiresAt <= now) this.#readmitted.delete(id);
  }

}

/**
 * A member back on a socket: `resumed` first, then what it did not see (the numbered frames after
 * `last`, and what was kept while it was away); from now on its relays are numbered only if it
 * asked (`ack`), from `last` on if they were not before.
 */
export function redeliver(member: ServerClient, resumed: ServerMessage, ack: boolean, last: number): void {
  const outbox = member.outbox;
  const replay = outbox ? outbox.replay(last) : [];
  member.send(resumed);
  for (const frame of replay) member.write(frame);
  if (!ack) member.outbox = null;
  else if (!outbox?.numbered) member.outbox = new Outbox(true, last);
}
