import type { SignallingServer } from '../../../../src/server';
import { stopCliNode, type CliNode } from '../../../support/cliNode';
import { RedisServer } from '../../../support/redisServer';
import type { WsTestClient } from '../../../support/wsTestClient';

/** What the cluster specs share: one real redis-server, and what each test starts, stopped after it. */
export interface ClusterHarness {
  /** The redis-server of this describe block (started before its first test). */
  readonly redis: RedisServer;
  /** In-process nodes of the test: closed after it. */
  readonly nodes: SignallingServer[];
  /** CLI nodes of the test: SIGKILLed after it (by pid). */
  readonly processes: CliNode[];
  /** Test clients: their sockets are cut after it. */
  readonly clients: WsTestClient[];
  /** A key prefix of its own, so each test's cluster starts empty. */
  prefix(name: string): string;
}

let prefixes = 0;

/** Registers the mocha hooks of a cluster describe block and hands over what they manage. */
export function clusterHarness(): ClusterHarness {
  let redis: RedisServer | null = null;
  const harness: ClusterHarness = {
    get redis(): RedisServer {
      if (!redis) throw new Error('redis-server is not started yet: use it inside a test');
      return redis;
    },
    nodes: [],
    processes: [],
    clients: [],
    prefix: (name) => `${name}${(prefixes += 1)}`,
  };
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });
  afterEach(async function () {
    this.timeout(20_000);
    for (const client of harness.clients.splice(0)) client.socket.terminate();
    await Promise.all(harness.nodes.splice(0).map((node) => node.close()));
    await Promise.all(harness.processes.splice(0).map((node) => stopCliNode(node.child, 'SIGKILL')));
  });
  return harness;
}
