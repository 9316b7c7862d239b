import { randomUUID } from 'node:crypto';
import type { PeerDescription, PeerId, SdpDescription, ServerMessage } from '../../signalling/messages';
import type { ServerLimits } from '../options';
import { joinAsks, standingRefusal, type JoinAsks, type MemberInfo, type PoolInfo, type PoolMessage, type Refusal, type RegistryEvents, type ServerReason, type StandingOffer } from '../poolRegistry';
import { randomTag } from '../resumeTokens';
import type { ServerClient } from '../serverClient';
import { ClusterLink } from './clusterLink';
import type { ClusterOptions } from './clusterOptions';

const refuse = (reason: ServerReason, message: string): Refusal => ({ reason, message });
const UNAVAILABLE = refuse('cluster-unavailable', 'the cluster state (Redis) is unreachable; try again');

/** A message for a member, and the number Redis gave it (0 for a member that does not acknowledge). */
export type Numbered = readonly [message: ServerMessage, seq: number];

/** A member's pool as this node knows it: for putting it back into a Redis that lost it, and for its resume tokens. */
export interface Seat {
  readonly instance: string;
  readonly created: string;
}

/** What a cluster's session resume takes from the inbox: see `ClusterResumption`. */
export interface InboxResumption {
  /** Holds a message (and its number, 0 for none) for a member whose resume on this node is under way; false when there is none. */
  hold(id: PeerId, message: ServerMessage, seq: number): boolean;
  /** A control entry between nodes (`ctl` = moved or handover) for member `id` of `pool`. */
  control(kind: string, id: PeerId, pool: string, fields: ReadonlyMap<string, string>): void;
}

/**
 * The pools of a cluster: the same rules as {@link PoolRegistry}, but the pools live in Redis and
 * every rule is one script run there (so two nodes cannot both take the last seat), and what a
 * member is sent goes through the inbox stream of the node holding its socket. This node keeps
 * only its own members' sockets and seats, to put them back if Redis forgets them.
 */
export class ClusterRegistry {
  /** The node's link to Redis. */
  readonly link: ClusterLink;
  readonly #seats = new Map<PeerId, Seat>();
  /** Joins sent and not answered: what their pool sends meanwhile waits for `rtc:joined`. */
  readonly #joining = new Map<PeerId, { readonly pool: string; readonly early: Numbered[] }>();
  /** Pools this node created with createPool (kept while empty): put back too. */
  readonly #createdHere = new Map<string, string>();
  /** Sockets whose `rtc:resume` is on its way: what they send meanwhile waits for it. */
  readonly #resumes = new Map<ServerClient, Promise<unknown>>();
  /** Session resume, when on. */
  resumption: InboxResumption | null = null;

  readonly #limits: ServerLimits;
  readonly #privatePools: boolean;
  readonly #events: RegistryEvents<ServerClient>;
  readonly #clients: Map<PeerId, ServerClient>;

  constructor(
    options: ClusterOptions,
    limits: ServerLimits,
    privatePools: boolean,
    events: RegistryEvents<ServerClient>,
    clients: Map<PeerId, ServerClient>,
  ) {
    this.#limits = limits;
    this.#privatePools = privatePools;
    this.#events = events;
    this.#clients = clients;
    this.link = new ClusterLink(options, {
      restoreArgs: () => this.#restoreArgs(),
      stopped: (ids) => ids.forEach((id) => this.#stopLocal(id)),
      deliver: (fields) => this.#deliver(fields),
      roundTrip: (seconds) => this.#events.roundTrip?.(seconds),
    });
  }

  /** This node's members, and the pools they are in. */
  size(): { readonly pools: number; readonly members: number } {
    const pools = new Set<string>();
    for (const client of this.#clients.values()) if (client.pool !== null) pools.add(client.pool);
    return { pools: pools.size, members: this.#seats.size };
  }

  /** Applies one validated client message; resolves with the refusal to answer, if any. */
  handle(member: ServerClient, message: PoolMessage): Promise<Refusal | null> {
    const resume = member.pool === null ? this.#resumes.get(member) : undefined;
    if (resume) return resume.then(() => this.handle(member, message));
    switch (message.type) {
      case 'rtc:join':
        return this.#join(member, message.data.pool, joinAsks(message.data));
      case 'rtc:standing':
        return this.#stand(member, message.data);
      case 'rtc:sdp':
        return this.#relay(member, message.data.to, { type: 'rtc:sdp', data: { peer: member.id, description: message.data.description } });
      case 'rtc:candidate':
        return this.#relay(member, message.data.for, { type: 'rtc:candidate', data: { from: member.id, candidate: message.data.candidate } });
    }
  }

  /** Takes a member out of its pool, cluster-wide (rtc:close to the others, on every node). */
  leave(member: ServerClient): void {
    const name = member.pool;
    this.#seats.delete(member.id);
    // sent even when no join was answered yet: one may be on its way, and this runs after it
    if (name !== null || this.#joining.has(member.id)) {
      void this.link.run('rtcLeave', [member.id, this.link.node], true).catch(() => {});
    }
    this.#joining.delete(member.id);
    if (name === null) return;
    member.pool = null;
    this.#events.onLeave(name, member);
  }

  /** The member saw every numbered message up to `seq`: Redis stops keeping them for it. */
  acknowledged(member: ServerClient, seq: number): void {
    if (member.pool === null) return;
    void this.link.run('rtcAck', [member.id, seq]).catch(() => {});
  }

  /** Sets a member's description and tells the rest of its pool, on every node. */
  describe(member: ServerClient, description: PeerDescription): void {
    member.description = description;
    if (member.pool === null) return;
    void this.link.run('rtcDescribe', [member.id, JSON.stringify(description)], true).catch(() => {});
  }

  /** Creates a pool that stays until stopped; false when the cluster holds `maxPools`. */
  async create(name: string): Promise<boolean> {
    const instance = randomUUID();
    const made = (await this.link.run('rtcCreate', [name, this.#limits.maxPools, instance])) === 1;
    if (made) this.#createdHere.set(name, instance);
    return made;
  }

  /** rtc:stop to every member of the pool, on every node; false if there is no such pool. */
  async stop(name: string): Promise<boolean> {
    this.#createdHere.delete(name);
    return (await this.link.run('rtcStop', [name])) === 1;
  }

  /** Every pool of the cluster with its members. */
  async list(): Promise<PoolInfo[]> {
    const rows = (await this.link.run('rtcList', [])) as [string, string, string[]][];
    return rows.map(([id, created, descs]) => ({ id, created: created === '1', members: membersOf(descs) }));
  }

  /** The seat of a member of this node. */
  seatOf(id: PeerId): Seat | undefined {
    return this.#seats.get(id);
  }

  /** A member resumed on this node (`seat`), or moved away from it (undefined). */
  seat(id: PeerId, seat: Seat | undefined): void {
    if (seat) this.#seats.set(id, seat);
    else this.#seats.delete(id);
  }

  /** `fresh` sent `rtc:resume`: its other messages wait until `done` settles. */
  resuming(fresh: ServerClient, done: Promise<unknown>): void {
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.#resumes.set(fresh, settled);
    void settled.then(() => this.#resumes.delete(fresh));
  }

  /** A message for a member of this node, as the inbox delivers it, with its number (0 for none). */
  deliverTo(id: PeerId, pool: string, message: ServerMessage, seq: number): void {
    const client = this.#clients.get(id);
    if (!client) return;
    const pending = this.#joining.get(id);
    if (client.pool !== pool) {
      if (pending?.pool === pool) pending.early.push([message, seq]);
      return;
    }
    if (message.type === 'rtc:stop') this.#stopLocal(id);
    client.send(message, seq);
  }

  /** Says goodbye: this node's members leave their pools at once. */
  close(): Promise<void> {
    return this.link.close();
  }

  /** A member's standing offer goes to Redis; the member hears `rtc:standing` through its node's inbox. */
  async #stand(member: ServerClient, offer: StandingOffer): Promise<Refusal | null> {
    const refusal = standingRefusal(member);
    if (refusal) return refusal;
    let status: unknown;
    try {
      status = await this.link.run('rtcStanding', [member.id, JSON.stringify(offer), String(offer.sid)]);
    } catch {
      return UNAVAILABLE;
    }
    return status === 'ok' ? null : refuse('not-joined', 'join a pool before keeping a standing offer');
  }

  async #join(member: ServerClient, name: string, asks: JoinAsks): Promise<Refusal | null> {
    if (member.pool !== null || this.#joining.has(member.id)) return refuse('already-joined', `already a member of pool '${member.pool ?? name}'`);
    const pending = { pool: name, early: [] as Numbered[] };
    this.#joining.set(member.id, pending);
    // the nonce of the member's first resume token: Redis keeps it, so any node can check a token
    member.nonce = randomTag();
    let reply: string[];
    try {
      reply = (await this.link.run('rtcJoin', [
        this.link.node,
        member.id,
        name,
        JSON.stringify(member.description),
        member.address,
        this.#privatePools ? 1 : 0,
        this.#limits.maxPools,
        this.#limits.maxMembersPerPool,
        this.#limits.maxPoolsPerAddress,
        this.#limits.maxPoolsPerConnection,
        randomUUID(),
        member.nonce,
        // numbered in Redis, so that what it has not acknowledged outlives this node
        member.outbox?.numbered ? 1 : 0,
        asks.offerer ? 1 : 0,
        asks.standing ? 1 : 0,
        asks.offer ? JSON.stringify(asks.offer) : '',
      ])) as string[];
    } catch {
      this.#joining.delete(member.id);
      member.nonce = null;
      return UNAVAILABLE;
    }
    // left while the join was on its way: its leave runs after it in Redis
    if (this.#joining.get(member.id) !== pending || this.#clients.get(member.id) !== member) return null;
    this.#joining.delete(member.id);
    const [status, detail] = reply as [string, string];
    if (status !== 'ok') {
      member.nonce = null;
      return refusalOf(status as ServerReason, detail, name, this.#limits);
    }
    const [, instance, created, offerers, taken, ...descs] = reply as [string, string, string, string, string, ...string[]];
    member.pool = name;
    member.offerer = asks.offerer;
    member.takesStanding = asks.standing;
    const standingOffers: { [peer: PeerId]: SdpDescription } = {};
    for (const [id, offer] of Object.entries(JSON.parse(taken) as Record<PeerId, StandingOffer>)) standingOffers[id] = offer.description;
    this.#seats.set(member.id, { instance, created });
    const others = membersOf(descs);
    member.send({
      type: 'rtc:joined',
      data: {
        client_id: member.id,
        peers: others.map((other) => other.id),
        descriptions: Object.fromEntries(others.map((other) => [other.id, other.description])),
        pool: name,
        offerers: offerers === '' ? [] : offerers.split(','),
        ...(asks.standing ? { standingOffers } : {}),
      },
    });
    for (const [message, seq] of pending.early) member.send(message, seq);
    this.#events.onJoin(name, member);
    return null;
  }

  async #relay(member: ServerClient, to: PeerId, message: ServerMessage): Promise<Refusal | null> {
    let status: unknown;
    try {
      status = await this.link.run('rtcRelay', [member.id, to, JSON.stringify(message)]);
    } catch {
      return UNAVAILABLE;
    }
    if (status === 'ok') {
      this.#events.relayed?.();
      return null;
    }
    return status === 'not-joined' ? refuse('not-joined', 'join a pool before signalling') : refuse('unknown-peer', `no peer '${to}' in this pool`);
  }

  /** One inbox entry: a message for some of this node's members. */
  #deliver(fields: readonly string[]): void {
    let to = '';
    let pool = '';
    let raw = '';
    let seqs = '';
    let control: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === 'to') to = fields[i + 1]!;
      else if (fields[i] === 'pool') pool = fields[i + 1]!;
      else if (fields[i] === 'm') raw = fields[i + 1]!;
      else if (fields[i] === 'seq') seqs = fields[i + 1]!;
      else if (fields[i] === 'ctl') control = fields[i + 1]!;
    }
    // a relay (the hot path) is read field by field; only the rare entry between nodes is mapped
    if (control !== undefined) {
      const entry = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) entry.set(fields[i]!, fields[i + 1]!);
      this.resumption?.control(control, to, pool, entry);
      return;
    }
    const message = JSON.parse(raw) as ServerMessage;
    const ids = to.split(',');
    // one number per recipient, in the order of `to` (all 0 when none acknowledges)
    const numbers = seqs.split(',');
    for (let i = 0; i < ids.length; i += 1) {
      const id = ids[i]!;
      const seq = Number(numbers[i] ?? 0) || 0;
      if (this.resumption?.hold(id, message, seq)) continue;
      this.deliverTo(id, pool, message, seq);
    }
  }

  /** The pool of member `id` was stopped: it is no longer a member (the rtc:stop is sent by the caller). */
  #stopLocal(id: PeerId): void {
    const client = this.#clients.get(id);
    this.#seats.delete(id);
    if (!client || client.pool === null) return;
    const name = client.pool;
    client.pool = null;
    this.#events.onLeave(name, client);
  }

  #restoreArgs(): string[] {
    const args: string[] = [];
    for (const [name, instance] of this.#createdHere) args.push('', name, '', instance, '1', '', '', '0');
    for (const [id, seat] of this.#seats) {
      const client = this.#clients.get(id);
      if (!client || client.pool === null) continue;
      const numbered = client.outbox?.numbered ? String(client.outbox.lastSeq) : '';
      args.push(id, client.pool, JSON.stringify(client.description), seat.instance, seat.created, client.nonce ?? '', numbered, client.offerer ? '1' : '0');
    }
    return args;
  }
}

function membersOf(descs: readonly string[]): MemberInfo[] {
  const members: MemberInfo[] = [];
  for (let i = 0; i < descs.length; i += 2) members.push({ id: descs[i]!, description: JSON.parse(descs[i + 1]!) as PeerDescription });
  return members;
}

function refusalOf(reason: ServerReason, detail: string, name: string, limits: ServerLimits): Refusal {
  switch (reason) {
    case 'already-joined':
      return refuse(reason, `already a member of pool '${detail}'`);
    case 'pool-not-found':
      return refuse(reason, `no pool named '${name}'`);
    case 'pool-full':
      return refuse(reason, `pool '${name}' has ${limits.maxMembersPerPool} members`);
    case 'too-many-pools':
      return refuse(
        reason,
        detail === 'connection'
          ? `a connection may create ${limits.maxPoolsPerConnection} pool(s)`
          : detail === 'address'
            ? `pools created from one address are limited to ${limits.maxPoolsPerAddress}`
            : 'the cluster holds as many pools as it may',
      );
    default:
      return refuse(reason, detail);
  }
}
