import { v4 as uuidv4 } from 'uuid';
import { resolveLimits, type ServerLimits } from '../server/options';
import { PoolRegistry, type Member, type PoolInfo } from '../server/poolRegistry';
import type { PeerDescription, PeerId, ServerMessage } from '../signalling/messages';
import { encodeFrame, parseClientFrame } from '../signalling/parse';
import { Transceiver } from '../signalling/transceiver';

/** Options of a {@link TestHub}. */
export interface TestHubOptions {
  /** Only pools made with `createPool()` can be joined, as with the server's private mode. */
  readonly privatePools?: boolean;
  /** The server's limits; each defaults as on the server. */
  readonly limits?: Partial<ServerLimits>;
}

/** A transceiver connected to a {@link TestHub}: what a pool under test signals over. */
export class HubTransceiver extends Transceiver {
  readonly #hub: TestHub;

  /** @internal made by {@link TestHub.transceiver} */
  constructor(
    hub: TestHub,
    /** @internal the member this transceiver speaks for */
    readonly member: Member,
  ) {
    super('open');
    this.#hub = hub;
  }

  /** The id the hub gave this transceiver's member (the pool's `id` once joined). */
  get id(): PeerId {
    return this.member.id;
  }

  /** Sends one event to the hub, as a frame (it arrives a microtask later, like a network's). */
  send(type: string, data: object): void {
    if (this.state === 'closed') throw new Error(`cannot send ${type}: the hub transceiver is closed`);
    const frame = encodeFrame(type, data);
    queueMicrotask(() => this.#hub.receive(this, frame));
  }

  /** Leaves the hub: the member's pool gets `rtc:close`. */
  close(): void {
    if (this.state === 'closed') return;
    this.#hub.disconnect(this);
    this.closed();
  }

  /** @internal delivers one frame from the hub, through the same decoding a WebSocket gets */
  deliver(frame: string): void {
    if (this.state !== 'closed') this.receiveFrame(frame);
  }
}

/**
 * An in-page ssp v2 hub for an app's own tests: several pools in one page signal through it
 * without a server, under the same rules as the real server (pools, relay within a pool with
 * the sender set by the hub, `rtc:close`, `rtc:stop`, `rtc:describe`, `rtc:error` for what it
 * refuses). Session resume is not simulated.
 *
 * @example
 * ```ts
 * import { Pool } from 'rtcpool';
 * import { TestHub } from 'rtcpool/testing';
 *
 * const hub = new TestHub();
 * const alice = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Alice' }));
 * const bob = new Pool({ iceServers: [] }, hub.transceiver({ name: 'Bob' }));
 * await alice.join('room');
 * await bob.join('room');
 * hub.describe(bob.id!, { name: 'Robert' }); // alice hears rtc:describe
 * hub.stop('room');                           // both hear rtc:stop
 * ```
 */
export class TestHub {
  readonly #registry: PoolRegistry;
  readonly #members = new Map<PeerId, HubTransceiver>();
  readonly #limits: ServerLimits;

  constructor(options: TestHubOptions = {}) {
    this.#limits = resolveLimits(options.limits);
    this.#registry = new PoolRegistry(this.#limits, options.privatePools ?? false, {
      onJoin: () => undefined,
      onLeave: () => undefined,
    });
  }

  /** A new transceiver, as if a socket connected; `description` is its trusted description. */
  transceiver(description: PeerDescription = null): HubTransceiver {
    const member: Member = {
      id: uuidv4(),
      description,
      pool: null,
      offerer: false,
      takesStanding: false,
      standing: null,
      send: (message: ServerMessage) => {
        const frame = encodeFrame(message.type, message.data);
        queueMicrotask(() => this.#members.get(member.id)?.deliver(frame));
      },
    };
    const transceiver = new HubTransceiver(this, member);
    this.#members.set(member.id, transceiver);
    return transceiver;
  }

  /** Creates a pool that stays while empty (the only way to make one in private mode). */
  createPool(name: string): boolean {
    return this.#registry.create(name);
  }

  /** Sets a member's description and sends `rtc:describe` to the rest of its pool. */
  describe(id: PeerId, description: PeerDescription): boolean {
    const transceiver = this.#members.get(id);
    if (!transceiver) return false;
    this.#registry.describe(transceiver.member, description);
    return true;
  }

  /** Sends `rtc:stop` to every member of a pool and removes it. */
  stop(pool: string): boolean {
    return this.#registry.stop(pool);
  }

  /** Delivers a raw frame to one member as if the server had sent it (garbage included). */
  inject(id: PeerId, frame: string): boolean {
    const transceiver = this.#members.get(id);
    if (!transceiver) return false;
    queueMicrotask(() => transceiver.deliver(frame));
    return true;
  }

  /** Every pool and its members. */
  pools(): PoolInfo[] {
    return this.#registry.list();
  }

  /** @internal one frame from a member */
  receive(from: HubTransceiver, frame: string): void {
    if (!this.#members.has(from.member.id)) return;
    const refuse = (reason: string, message: string): void => from.member.send({ type: 'rtc:error', data: { reason, message } });
    const parsed = parseClientFrame(frame, this.#limits.maxFrameBytes);
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'invalid') return refuse(parsed.reason, parsed.detail);
    if (parsed.message.type === 'rtc:resume') return refuse('unknown-type', 'the test hub does not resume sessions');
    // the hub never numbers what it delivers, so there is nothing to acknowledge
    if (parsed.message.type === 'rtc:ack') return;
    if (parsed.message.type === 'rtc:ice-servers') return refuse('unknown-type', 'the test hub hands out no ICE servers');
    const refusal = this.#registry.handle(from.member, parsed.message);
    if (refusal) refuse(refusal.reason, refusal.message);
  }

  /** @internal a member's transceiver closed */
  disconnect(transceiver: HubTransceiver): void {
    this.#members.delete(transceiver.member.id);
    this.#registry.leave(transceiver.member);
  }
}
