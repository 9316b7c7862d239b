import { v4 as uuidv4 } from 'uuid';
import type {
  AckMessage,
  ClientMessage,
  IceServersRequest,
  PeerDescription,
  PeerId,
  PoolView,
  ResumeMessage,
  JoinedMessage,
  ResumedMessage,
  SdpDescription,
  ServerMessage,
} from '../signalling/messages';
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
  | 'resume-failed'
  | 'cluster-unavailable';

/** The client messages the registry applies (`rtc:resume`, `rtc:ack` and `rtc:ice-servers` concern sockets: the server's). */
export type PoolMessage = Exclude<ClientMessage, ResumeMessage | AckMessage | IceServersRequest>;

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
  /** It joined as an offerer (`rtc:join` `offerer`): it offers to every newcomer, unasked. */
  offerer: boolean;
  /** It asked for standing offers (`rtc:join` `standing`): it keeps one, and takes others'. */
  takesStanding: boolean;
  /** Its standing offer, until a newcomer takes it (one per member; a new one replaces it). */
  standing: StandingOffer | null;
  send(message: ServerMessage): void;
}

/** A member's standing offer, as `rtc:standing` gave it. */
export interface StandingOffer {
  /** The member's number for it. */
  readonly sid: number;
  /** The offer. */
  readonly description: SdpDescription;
}

/** What a member's `rtc:join` asks of our extensions: `offerer`, `standing`, and its `standingOffer`. */
export interface JoinAsks {
  readonly offerer: boolean;
  readonly standing: boolean;
  /** Its standing offer, kept once it is admitted (with `standing` only). */
  readonly offer: StandingOffer | null;
}

/** The extension fields of a validated `rtc:join`. */
export function joinAsks({ offerer, standing, standingOffer }: Extract<PoolMessage, { type: 'rtc:join' }>['data']): JoinAsks {
  return { offerer: offerer === true, standing: standing === true, offer: standing === true ? (standingOffer ?? null) : null };
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

/** What the registry tells its owner about, and asks it. */
export interface RegistryEvents<M extends Member = Member> {
  onJoin(pool: string, member: M): void;
  onLeave(pool: string, member: M): void;
  /** Whether `member` may bring a new pool into being (its owner's limits); null: it may. */
  mayCreate?(member: M): Refusal | null;
  /** A join (or readmission) created a pool. */
  onCreated?(pool: string, member: M): void;
  /** A pool is gone: its last member left, or it was stopped. */
  onRemoved?(pool: string): void;
  /** One relay (`rtc:sdp`, `rtc:candidate`) went out (to count them: a number, not a call into a metrics library). */
  relayed?(): void;
  /** One round trip to a cluster's Redis took `seconds`. */
  roundTrip?(seconds: number): void;
}

/** What the sockets' side of the server asks of the pools: the {@link PoolRegistry}, or a cluster's. */
export interface SessionRegistry<M extends Member = Member> {
  /** Applies one validated client message; the refusal (now or later) is what to answer with `rtc:error`. */
  handle(member: M, message: PoolMessage): Refusal | null | Promise<Refusal | null>;
  /** Takes a member out of its pool and tells the others with `rtc:close`. */
  leave(member: M): void;
  /** Sets a member's trusted description and tells the rest of its pool. */
  describe(member: M, description: PeerDescription): void;
  /** The member saw every numbered message up to `seq` (`rtc:ack`): a cluster stops keeping them. */
  acknowledged?(member: M, seq: number): void;
}

interface PoolState<M extends Member> {
  readonly members: Map<PeerId, M>;
  readonly created: boolean;
  /** Which life of the pool this is: resume tokens carry it, so a re-created pool refuses old ones. */
  instance: string;
  /** No member has been in it yet: a readmitted member may give it the instance its token names. */
  pristine: boolean;
}

const refuse = (reason: ServerReason, message: string): Refusal => ({ reason, message });

/** Why `member` may not keep a standing offer now, if it may not: the same rule for one server and a cluster. */
export function standingRefusal(member: Member): Refusal | null {
  if (member.pool === null) return refuse('not-joined', 'join a pool before keeping a standing offer');
  if (!member.takesStanding) return refuse('bad-field', 'ask for standing offers in rtc:join (standing: true) to keep one');
  return null;
}

/**
 * The pools and their members, and every server rule of ssp v2 that is about them. It knows
 * nothing of sockets, so each rule is tested without one.
 */
export class PoolRegistry<M extends Member = Member> implements SessionRegistry<M> {
  readonly #pools = new Map<string, PoolState<M>>();

  readonly #limits: ServerLimits;
  readonly #privatePools: boolean;
  readonly #events: RegistryEvents<M>;

  constructor(
    limits: ServerLimits,
    privatePools: boolean,
    events: RegistryEvents<M>,
  ) {
    this.#limits = limits;
    this.#privatePools = privatePools;
    this.#events = events;
  }

  /** Creates an (empty) pool that stays until stopped; false when the pool limit is reached. */
  create(name: string): boolean {
    if (this.#pools.has(name)) return true;
    if (this.#pools.size >= this.#limits.maxPools) return false;
    this.#pools.set(name, { members: new Map(), created: true, instance: uuidv4(), pristine: true });
    return true;
  }

  /** The instance of the pool named `name` (which life of it), or undefined if there is none. */
  instanceOf(name: string): string | undefined {
    return this.#pools.get(name)?.instance;
  }

  /** The number of pools, and of members in them. */
  size(): { readonly pools: number; readonly members: number } {
    let members = 0;
    for (const pool of this.#pools.values()) members += pool.members.size;
    return { pools: this.#pools.size, members };
  }

  /**
   * Applies one validated client message; a refusal is what to answer with `rtc:error`.
   * (`rtc:resume`, `rtc:ack` and `rtc:ice-servers` concern sockets, and are the server's to handle.)
   */
  handle(member: M, message: PoolMessage): Refusal | null {
    switch (message.type) {
      case 'rtc:join':
        return this.#join(member, message.data.pool, joinAsks(message.data));
      case 'rtc:standing': {
        const refusal = standingRefusal(member);
        if (refusal) return refusal;
        member.standing = { sid: message.data.sid, description: message.data.description };
        member.send({ type: 'rtc:standing', data: { sid: message.data.sid } });
        return null;
      }
      case 'rtc:sdp': {
        const target = this.#target(member, message.data.to);
        if ('reason' in target) return target;
        target.send({ type: 'rtc:sdp', data: { peer: member.id, description: message.data.description } });
        this.#events.relayed?.();
        return null;
      }
      case 'rtc:candidate': {
        const target = this.#target(member, message.data.for);
        if ('reason' in target) return target;
        target.send({ type: 'rtc:candidate', data: { from: member.id, candidate: message.data.candidate } });
        this.#events.relayed?.();
        return null;
      }
    }
  }

  /** Takes a member out of its pool and tells the others with `rtc:close`. */
  leave(member: M): void {
    const name = member.pool;
    if (name === null) return;
    const pool = this.#pools.get(name);
    member.pool = null;
    member.standing = null;
    if (!pool) return;
    pool.members.delete(member.id);
    if (pool.members.size === 0 && !pool.created) this.#remove(name);
    for (const other of pool.members.values()) other.send({ type: 'rtc:close', data: { id: member.id, uid: member.id } });
    this.#events.onLeave(name, member);
  }

  /** Sends `rtc:stop` to every member of a pool and removes the pool; false if there is none. */
  stop(name: string): boolean {
    const pool = this.#pools.get(name);
    if (!pool) return false;
    this.#remove(name);
    for (const member of pool.members.values()) {
      member.pool = null;
      member.send({ type: 'rtc:stop', data: {} });
      this.#events.onLeave(name, member);
    }
    return true;
  }

  /** Sets a member's trusted description and tells the rest of its pool with `rtc:describe`. */
  describe(member: M, description: PeerDescription): void {
    member.description = description;
    if (member.pool === null) return;
    for (const other of this.#pools.get(member.pool)?.members.values() ?? []) {
      if (other !== member) {
        other.send({ type: 'rtc:describe', data: { id: member.id, uid: member.id, description } });
      }
    }
  }

  /**
   * Puts back a member the registry does not hold (the server restarted) into the pool, and the
   * life of it (`instance`), its token proved it was in: `rtc:resumed` to it (plus `extra`, a new
   * token), and `rtc:peer` marked `resumed` to the others, who may still be connected to it. A
   * pool that is there under another instance was stopped and created again: it refuses.
   */
  readmit(member: M, name: string, instance: string, extra: { readonly token?: string } = {}): Refusal | null {
    const existing = this.#pools.get(name);
    if (existing && existing.instance !== instance) {
      if (!existing.pristine) return refuse('resume-failed', `pool '${name}' was stopped since this token was issued`);
      existing.instance = instance;
    }
    const refusal = this.#admit(member, name);
    if (refusal) return refusal;
    if (!existing) this.#pools.get(name)!.instance = instance;
    member.send(this.resumed(member, extra));
    for (const other of this.#others(member)) {
      other.send({ type: 'rtc:peer', data: { id: member.id, description: member.description, resumed: true } });
    }
    this.#events.onJoin(name, member);
    return null;
  }

  /** `rtc:resumed` for a member: its pool as it is now (plus `extra`: a new token, ICE servers). */
  resumed(member: M, extra: Omit<ResumedMessage['data'], keyof PoolView> = {}): ResumedMessage {
    return { type: 'rtc:resumed', data: { ...this.#view(member, this.#others(member)), ...extra } };
  }

  /** Every pool with its members. */
  list(): PoolInfo[] {
    return [...this.#pools].map(([id, pool]) => ({
      id,
      created: pool.created,
      members: [...pool.members.values()].map(({ id: memberId, description }) => ({ id: memberId, description })),
    }));
  }

  #join(member: M, name: string, asks: JoinAsks): Refusal | null {
    const others = this.#pools.get(name) ? this.#others(member, name) : [];
    const refusal = this.#admit(member, name);
    if (refusal) return refusal;
    member.offerer = asks.offerer;
    member.takesStanding = asks.standing;
    member.standing = asks.offer;
    // a newcomer that asked takes every standing offer there is: one newcomer each
    const taken = new Map<PeerId, StandingOffer>();
    if (asks.standing) {
      for (const other of others) {
        if (other.standing === null) continue;
        taken.set(other.id, other.standing);
        other.standing = null;
      }
    }
    const joined: JoinedMessage['data'] = { ...this.#view(member, others), offerers: others.filter((other) => other.offerer).map((other) => other.id) };
    member.send({
      type: 'rtc:joined',
      data: asks.standing ? { ...joined, standingOffers: Object.fromEntries([...taken].map(([id, offer]) => [id, offer.description])) } : joined,
    });
    for (const other of others) {
      const sid = taken.get(other.id)?.sid;
      other.send({ type: 'rtc:peer', data: sid === undefined ? { id: member.id, description: member.description } : { id: member.id, description: member.description, standing: sid } });
    }
    this.#events.onJoin(name, member);
    return null;
  }

  /** Adds a member to a pool (creating it where allowed), or says why not. */
  #admit(member: M, name: string): Refusal | null {
    if (member.pool !== null) return refuse('already-joined', `already a member of pool '${member.pool}'`);
    let pool = this.#pools.get(name);
    if (!pool) {
      if (this.#privatePools) return refuse('pool-not-found', `no pool named '${name}'`);
      if (this.#pools.size >= this.#limits.maxPools) return refuse('too-many-pools', 'the server holds as many pools as it may');
      const refusal = this.#events.mayCreate?.(member) ?? null;
      if (refusal) return refusal;
      pool = { members: new Map(), created: false, instance: uuidv4(), pristine: false };
      this.#pools.set(name, pool);
      this.#events.onCreated?.(name, member);
    }
    if (pool.members.size >= this.#limits.maxMembersPerPool) {
      return refuse('pool-full', `pool '${name}' has ${this.#limits.maxMembersPerPool} members`);
    }
    pool.members.set(member.id, member);
    pool.pristine = false;
    member.pool = name;
    return null;
  }

  #remove(name: string): void {
    this.#pools.delete(name);
    this.#events.onRemoved?.(name);
  }

  /** The member's pool as `rtc:joined` and `rtc:resumed` show it: the `others`, with their descriptions. */
  #view(member: M, others: readonly M[]): PoolView {
    return {
      client_id: member.id,
      peers: others.map((other) => other.id),
      descriptions: Object.fromEntries(others.map((other) => [other.id, other.description])),
      pool: member.pool ?? '',
    };
  }

  #others(member: M, name = member.pool): M[] {
    return [...(this.#pools.get(name ?? '')?.members.values() ?? [])].filter((other) => other !== member);
  }

  #target(member: M, id: PeerId): M | Refusal {
    if (member.pool === null) return refuse('not-joined', 'join a pool before signalling');
    const target = this.#pools.get(member.pool)?.members.get(id);
    if (!target || target === member) return refuse('unknown-peer', `no peer '${id}' in this pool`);
    return target;
  }
}
