import type { ClientMessage, PeerDescription, PeerId, PoolView, ResumeMessage, ResumedMessage, ServerMessage } from '../signalling/messages';
import type { ProtocolReason } from '../signalling/parse';
import type { ServerLimits } from './options';

/** Stable `reason` codes of the server's `rtc:error` replies. */
export type ServerReason =
  | ProtocolReason
  | 'already-joined'
  | 'not-joined'
  | 'unknown-peer'
  | 'pool-full'
  | 'pool-not-found'
  | 'too-many-pools'
  | 'rate-limited'
  | 'resume-failed';

/** Why a message was refused; it becomes the `rtc:error` sent back to its sender. */
export interface Refusal {
  readonly reason: ServerReason;
  readonly message: string;
}

/** One connected client as the registry sees it: no socket, only a way to send. */
export interface Member {
  readonly id: PeerId;
  description: PeerDescription;
  pool: string | null;
  send(message: ServerMessage): void;
}

/** A member as the application lists it. */
export interface MemberInfo {
  /** The member's id. */
  readonly id: PeerId;
  /** Its trusted description. */
  readonly description: PeerDescription;
}

/** A pool as the application lists it. */
export interface PoolInfo {
  /** The pool's name. */
  readonly id: string;
  /** Created by the application (`createPool`) rather than by a join; kept while empty. */
  readonly created: boolean;
  /** Its members. */
  readonly members: readonly MemberInfo[];
}

/** What the registry tells the application about. */
export interface RegistryEvents {
  onJoin(pool: string, member: Member): void;
  onLeave(pool: string, member: Member): void;
}

interface PoolState {
  readonly members: Map<PeerId, Member>;
  readonly created: boolean;
}

const refuse = (reason: ServerReason, message: string): Refusal => ({ reason, message });

/**
 * The pools and their members, and every server rule of ssp v2 that is about them. It knows
 * nothing of sockets, so each rule is tested without one.
 */
export class PoolRegistry {
  private readonly pools = new Map<string, PoolState>();

  constructor(
    private readonly limits: ServerLimits,
    private readonly privatePools: boolean,
    private readonly events: RegistryEvents,
  ) {}

  /** Creates an (empty) pool that stays until stopped; false when the pool limit is reached. */
  create(name: string): boolean {
    if (this.pools.has(name)) return true;
    if (this.pools.size >= this.limits.maxPools) return false;
    this.pools.set(name, { members: new Map(), created: true });
    return true;
  }

  /**
   * Applies one validated client message; a refusal is what to answer with `rtc:error`.
   * (`rtc:resume` concerns sockets, and is the server's to handle.)
   */
  handle(member: Member, message: Exclude<ClientMessage, ResumeMessage>): Refusal | null {
    switch (message.type) {
      case 'rtc:join':
        return this.join(member, message.data.pool);
      case 'rtc:sdp': {
        const target = this.target(member, message.data.to);
        if ('reason' in target) return target;
        target.send({ type: 'rtc:sdp', data: { peer: member.id, description: message.data.description } });
        return null;
      }
      case 'rtc:candidate': {
        const target = this.target(member, message.data.for);
        if ('reason' in target) return target;
        target.send({ type: 'rtc:candidate', data: { from: member.id, candidate: message.data.candidate } });
        return null;
      }
    }
  }

  /** Takes a member out of its pool and tells the others with `rtc:close`. */
  leave(member: Member): void {
    const name = member.pool;
    if (name === null) return;
    const pool = this.pools.get(name);
    member.pool = null;
    if (!pool) return;
    pool.members.delete(member.id);
    if (pool.members.size === 0 && !pool.created) this.pools.delete(name);
    for (const other of pool.members.values()) other.send({ type: 'rtc:close', data: { id: member.id, uid: member.id } });
    this.events.onLeave(name, member);
  }

  /** Sends `rtc:stop` to every member of a pool and removes the pool; false if there is none. */
  stop(name: string): boolean {
    const pool = this.pools.get(name);
    if (!pool) return false;
    this.pools.delete(name);
    for (const member of pool.members.values()) {
      member.pool = null;
      member.send({ type: 'rtc:stop', data: {} });
      this.events.onLeave(name, member);
    }
    return true;
  }

  /** Sets a member's trusted description and tells the rest of its pool with `rtc:describe`. */
  describe(member: Member, description: PeerDescription): void {
    member.description = description;
    if (member.pool === null) return;
    for (const other of this.pools.get(member.pool)?.members.values() ?? []) {
      if (other !== member) {
        other.send({ type: 'rtc:describe', data: { id: member.id, uid: member.id, description } });
      }
    }
  }

  /**
   * Puts back a member the registry no longer holds (the server restarted, or its grace period
   * ran out) into the pool it proved it was in: `rtc:resumed` to it, and `rtc:peer` marked
   * `resumed` to the others, who may still be connected to it.
   */
  readmit(member: Member, name: string): Refusal | null {
    const refusal = this.admit(member, name);
    if (refusal) return refusal;
    member.send(this.resumed(member));
    for (const other of this.others(member)) {
      other.send({ type: 'rtc:peer', data: { id: member.id, description: member.description, resumed: true } });
    }
    this.events.onJoin(name, member);
    return null;
  }

  /** `rtc:resumed` for a member: its pool as it is now. */
  resumed(member: Member): ResumedMessage {
    return { type: 'rtc:resumed', data: this.view(member, this.others(member)) };
  }

  /** Every pool with its members. */
  list(): PoolInfo[] {
    return [...this.pools].map(([id, pool]) => ({
      id,
      created: pool.created,
      members: [...pool.members.values()].map(({ id: memberId, description }) => ({ id: memberId, description })),
    }));
  }

  private join(member: Member, name: string): Refusal | null {
    const others = this.pools.get(name) ? this.others(member, name) : [];
    const refusal = this.admit(member, name);
    if (refusal) return refusal;
    member.send({ type: 'rtc:joined', data: this.view(member, others) });
    for (const other of others) other.send({ type: 'rtc:peer', data: { id: member.id, description: member.description } });
    this.events.onJoin(name, member);
    return null;
  }

  /** Adds a member to a pool (creating it where allowed), or says why not. */
  private admit(member: Member, name: string): Refusal | null {
    if (member.pool !== null) return refuse('already-joined', `already a member of pool '${member.pool}'`);
    let pool = this.pools.get(name);
    if (!pool) {
      if (this.privatePools) return refuse('pool-not-found', `no pool named '${name}'`);
      if (this.pools.size >= this.limits.maxPools) return refuse('too-many-pools', 'the server holds as many pools as it may');
      pool = { members: new Map(), created: false };
      this.pools.set(name, pool);
    }
    if (pool.members.size >= this.limits.maxMembersPerPool) {
      return refuse('pool-full', `pool '${name}' has ${this.limits.maxMembersPerPool} members`);
    }
    pool.members.set(member.id, member);
    member.pool = name;
    return null;
  }

  /** The member's pool as `rtc:joined` and `rtc:resumed` show it: the `others`, with their descriptions. */
  private view(member: Member, others: readonly Member[]): PoolView {
    return {
      client_id: member.id,
      peers: others.map((other) => other.id),
      descriptions: Object.fromEntries(others.map((other) => [other.id, other.description])),
      pool: member.pool ?? '',
    };
  }

  private others(member: Member, name = member.pool): Member[] {
    return [...(this.pools.get(name ?? '')?.members.values() ?? [])].filter((other) => other !== member);
  }

  private target(member: Member, id: PeerId): Member | Refusal {
    if (member.pool === null) return refuse('not-joined', 'join a pool before signalling');
    const target = this.pools.get(member.pool)?.members.get(id);
    if (!target || target === member) return refuse('unknown-peer', `no peer '${id}' in this pool`);
    return target;
  }
}
