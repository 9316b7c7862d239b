import type { ServerLimits } from './options';
import type { Refusal } from './poolRegistry';
import type { RefusalCounts } from './serverStats';

/** What {@link Admission} needs to know of a client that may create a pool. */
export interface PoolCreator {
  /** The address it connected from. */
  readonly address: string;
  /** Pools its joins created that still exist. */
  poolsCreated: number;
}

/**
 * Admission and the limits that count per address or in total: connections (checked at the
 * upgrade, before the hook runs) and pools brought into being by joins. Per-socket limits (rates,
 * queued and held bytes, the join deadline) belong to the client and the server.
 */
export class Admission {
  #total = 0;
  readonly #connections = new Map<string, number>();
  readonly #poolCreators = new Map<string, PoolCreator>();
  readonly #poolsPerAddress = new Map<string, number>();

  readonly #limits: ServerLimits;
  readonly #refusals: RefusalCounts;

  constructor(
    limits: ServerLimits,
    refusals: RefusalCounts,
  ) {
    this.#limits = limits;
    this.#refusals = refusals;
  }

  /** Connections counted: open sockets and upgrades in progress. */
  get connectionCount(): number {
    return this.#total;
  }

  /**
   * Counts in a new connection from `address`: 0, or the HTTP status that refuses it (429 for
   * too many from the address, 503 for too many in all). An admitted one must be released once.
   */
  connect(address: string): 0 | 429 | 503 {
    if (this.#total >= this.#limits.maxConnections) {
      this.#refusals.count('connections');
      return 503;
    }
    const count = this.#connections.get(address) ?? 0;
    if (count >= this.#limits.maxConnectionsPerAddress) {
      this.#refusals.count('connections-per-address');
      return 429;
    }
    this.#connections.set(address, count + 1);
    this.#total += 1;
    return 0;
  }

  /** A connection from `address` is gone. */
  release(address: string): void {
    const count = this.#connections.get(address) ?? 0;
    if (count <= 1) this.#connections.delete(address);
    else this.#connections.set(address, count - 1);
    this.#total -= 1;
  }

  /** Whether `client` may bring one more pool into being. */
  mayCreatePool(client: PoolCreator): Refusal | null {
    if (client.poolsCreated >= this.#limits.maxPoolsPerConnection) {
      return { reason: 'too-many-pools', message: `a connection may create ${this.#limits.maxPoolsPerConnection} pool(s)` };
    }
    if ((this.#poolsPerAddress.get(client.address) ?? 0) >= this.#limits.maxPoolsPerAddress) {
      return { reason: 'too-many-pools', message: `pools created from one address are limited to ${this.#limits.maxPoolsPerAddress}` };
    }
    return null;
  }

  /** `client`'s join created pool `name`: it counts against the client and its address while it exists. */
  poolCreated(name: string, client: PoolCreator): void {
    client.poolsCreated += 1;
    this.#poolCreators.set(name, client);
    this.#poolsPerAddress.set(client.address, (this.#poolsPerAddress.get(client.address) ?? 0) + 1);
  }

  /** Pool `name` is gone. */
  poolRemoved(name: string): void {
    const creator = this.#poolCreators.get(name);
    if (creator === undefined) return;
    this.#poolCreators.delete(name);
    creator.poolsCreated -= 1;
    const address = creator.address;
    const count = this.#poolsPerAddress.get(address) ?? 0;
    if (count <= 1) this.#poolsPerAddress.delete(address);
    else this.#poolsPerAddress.set(address, count - 1);
  }
}
