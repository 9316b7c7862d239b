import type { MemberInfo, PoolInfo } from '../poolRegistry';
import type { ClusterRegistry } from './clusterRegistry';

/** The pools of a whole cluster, for the application: each call is a round trip to Redis. */
export interface SignallingCluster {
  /** This node's id in the cluster. */
  readonly node: string;
  /** Creates a pool that stays until stopped; false when the cluster holds `maxPools` pools. */
  createPool(name: string): Promise<boolean>;
  /** `rtc:stop` to every member of the pool, on every node; false if there is no such pool. */
  stop(pool: string): Promise<boolean>;
  /** Every pool of the cluster and its members. */
  pools(): Promise<PoolInfo[]>;
  /** The members of one pool, or null if there is no such pool. */
  members(pool: string): Promise<readonly MemberInfo[] | null>;
}

/** The application's view of a cluster's pools, from a node's registry. */
export function clusterView(registry: ClusterRegistry): SignallingCluster {
  return {
    node: registry.link.node,
    createPool: (name) => registry.create(name),
    stop: (pool) => registry.stop(pool),
    pools: () => registry.list(),
    members: async (pool) => (await registry.list()).find((info) => info.id === pool)?.members ?? null,
  };
}
