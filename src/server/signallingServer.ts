import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { PeerDescription, PeerId } from '../signalling/messages';
import { Admission } from './admission';
import { ClientSessions } from './clientSessions';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_RESUME_GRACE_MS, HARD_FRAME_CAP_FACTOR, resolveLimits, type ServerLimits, type SignallingServerOptions } from './options';
import { ClusterRegistry } from './cluster/clusterRegistry';
import { clusterView, type SignallingCluster } from './cluster/signallingCluster';
import { PoolRegistry, type MemberInfo, type PoolInfo, type RegistryEvents } from './poolRegistry';
import { requestPathname } from './requestPathname';
import { METRICS_PATH, ServerMetrics } from './serverMetrics';
import { ResumeTokens } from './resumeTokens';
import { Resumption, type ResumeSockets, type SessionResumption } from './resumption';
import { ClusterResumption } from './cluster/clusterResumption';
import type { ServerClient } from './serverClient';
import { RefusalCounts, type ServerStats } from './serverStats';
import { UpgradeEdge } from './upgradeEdge';
import { checkTurnOptions, grantIceServers } from './turnCredentials';

/** A member joining or leaving a pool, as the server's `join` and `leave` events report it. */
export interface MembershipEvent {
  /** The pool. */
  readonly pool: string;
  /** The member that joined or left. */
  readonly member: MemberInfo;
}

/** The events of a {@link SignallingServer}. */
export interface SignallingServerEvents {
  /** A member joined a pool (or resumed its place). */
  join: [MembershipEvent];
  /** A member left a pool (or its grace period ran out, or the pool was stopped). */
  leave: [MembershipEvent];
}

/** How often sockets past their join deadline, and expired readmissions, are looked for. */
const SWEEP_INTERVAL_MS = 1_000;

// its parts: UpgradeEdge (HTTP), Admission (limits per address and in all), PoolRegistry (the pools
// and their rules), ClientSessions (sockets' lives), ServerClient and its Outbox (delivery,
// numbering, the hold buffer), Resumption and ResumeTokens
/**
 * The reference ssp v2 signalling server. Create one with {@link createSignallingServer}.
 *
 * Emits `join` and `leave` ({@link MembershipEvent}) as members enter and leave pools.
 */
export class SignallingServer extends EventEmitter<SignallingServerEvents> {
  /** The HTTP server the endpoint runs on (its own, or the one passed in `options.server`). */
  readonly httpServer: Server;
  /** The limits in force. */
  readonly limits: ServerLimits;
  /** The path of the signalling endpoint. */
  readonly path: string;
  /** The cluster's pools, when this server is a node of one (`cluster` option); null otherwise. */
  readonly cluster: SignallingCluster | null;
  /** Its Prometheus metrics (served at `/metrics` on its own HTTP server, or when `metrics` is true). */
  readonly metrics: ServerMetrics;

  readonly #wss: WebSocketServer;
  readonly #registry: PoolRegistry<ServerClient> | null;
  readonly #clusterRegistry: ClusterRegistry | null;
  #relays = 0;
  /** The app's `request` listeners, when we route /metrics on its server: put back on close. */
  readonly #appHandlers: Array<(...args: unknown[]) => void> | null;
  readonly #sessions: ClientSessions;
  readonly #refusals = new RefusalCounts();
  readonly #admission: Admission;
  readonly #edge: UpgradeEdge;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #sweeper: NodeJS.Timeout;
  readonly #ownsServer: boolean;

  /** @internal use {@link createSignallingServer} */
  constructor(options: SignallingServerOptions = {}) {
    super();
    this.limits = resolveLimits(options.limits);
    this.path = options.path ?? '/';
    this.#ownsServer = options.server === undefined;
    const servesMetrics = options.metrics ?? this.#ownsServer;
    this.httpServer =
      options.server ??
      createServer((request, response) => {
        if (servesMetrics && request.method === 'GET' && requestPathname(request.url) === METRICS_PATH) void this.metrics.serve(request, response);
        else response.writeHead(404).end();
      });
    // on an app's server, only when asked: /metrics goes to us, and no longer to the app's handlers
    this.#appHandlers = options.server && options.metrics ? this.#routeMetrics(options.server) : null;
    // we track clients ourselves: ws's own tracking costs a closure per socket. UTF-8 is checked
    // by the sessions, just before a frame is decoded (RFC 6455 §8.1: close 1007 when it is not),
    // so frames refused unread (rate, size) cost no scan; ws would scan every one
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      skipUTF8Validation: true,
      maxPayload: this.limits.maxFrameBytes * HARD_FRAME_CAP_FACTOR,
    });
    this.#admission = new Admission(this.limits, this.#refusals);
    const events: RegistryEvents<ServerClient> = {
      onJoin: (pool, member) => this.emit('join', { pool, member: { id: member.id, description: member.description } }),
      onLeave: (pool, member) => this.emit('leave', { pool, member: { id: member.id, description: member.description } }),
      mayCreate: (member) => this.#admission.mayCreatePool(member),
      onCreated: (pool, member) => this.#admission.poolCreated(pool, member),
      onRemoved: (pool) => this.#admission.poolRemoved(pool),
      relayed: () => {
        this.#relays += 1;
      },
      roundTrip: (seconds) => this.metrics.roundTrip(seconds),
    };
    if (options.cluster && options.resume !== false && options.resume?.secret === undefined) {
      throw new Error('cluster: give every node the same resume secret (resume: { secret }), or pass resume: false');
    }
    const clients = new Map<string, ServerClient>();
    this.#clusterRegistry = options.cluster ? new ClusterRegistry(options.cluster, this.limits, options.privatePools ?? false, events, clients) : null;
    this.#registry = this.#clusterRegistry ? null : new PoolRegistry<ServerClient>(this.limits, options.privatePools ?? false, events);
    this.cluster = this.#clusterRegistry ? clusterView(this.#clusterRegistry) : null;
    this.metrics = new ServerMetrics({ stats: () => this.stats(), relays: () => this.#relays }, { node: this.cluster?.node });
    if (options.turn) checkTurnOptions(options.turn);
    const tokens = options.resume === false ? null : new ResumeTokens(options.resume?.secret, options.resume?.tokenTtlMs);
    const handsOutIce = options.turn !== undefined || (options.iceServers?.length ?? 0) > 0;
    this.#sessions = new ClientSessions({
      limits: this.limits,
      registry: this.#clusterRegistry ?? this.#registry!,
      clients,
      refusals: this.#refusals,
      resumption: tokens === null ? null : (sockets) => this.#resumption(tokens, sockets),
      graceMs: options.resume === false ? 0 : (options.resume?.graceMs ?? DEFAULT_RESUME_GRACE_MS),
      describesOnResume: options.authenticate !== undefined,
      release: (address) => this.#admission.release(address),
      iceServers: handsOutIce ? (id) => grantIceServers(options.turn, options.iceServers ?? [], id) : () => null,
    });
    this.#edge = new UpgradeEdge(options, this.path, this.#ownsServer, this.#wss, this.#admission, this.#refusals, (socket, grant, address) =>
      this.#sessions.accept(socket, grant, address),
    );
    this.httpServer.on('upgrade', this.#edge.onUpgrade);
    this.#heartbeat = setInterval(() => this.#sessions.beat(), options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    this.#heartbeat.unref();
    this.#sweeper = setInterval(() => this.#sessions.sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** The address the HTTP server listens on. */
  address(): AddressInfo {
    const address = this.httpServer.address();
    if (address === null || typeof address === 'string') throw new Error('the signalling server is not listening on a TCP port');
    return address;
  }

  /** The WebSocket URL of the signalling endpoint, e.g. `ws://127.0.0.1:8080/`. */
  get url(): string {
    const { address, family, port } = this.address();
    const host = family === 'IPv6' ? `[${address}]` : address;
    return `ws://${host}:${port}${this.path}`;
  }

  /**
   * Creates a pool that stays, empty or not, until stopped: in private mode the only way a pool
   * comes to exist. False when the server already holds `maxPools` pools.
   */
  createPool(name: string): boolean {
    return this.#local('createPool').create(name);
  }

  /** Sends `rtc:stop` to every member of a pool and removes it (their resume tokens die with it); false if there is no such pool. */
  stop(pool: string): boolean {
    return this.#local('stop').stop(pool);
  }

  /**
   * Sets the trusted description of a connected client, and sends `rtc:describe` to the other
   * members of its pool. False if no client has that id.
   */
  describe(clientId: PeerId, description: PeerDescription): boolean {
    const client = this.#sessions.clients.get(clientId);
    if (!client) return false;
    (this.#clusterRegistry ?? this.#registry!).describe(client, description);
    return true;
  }

  /** Every pool and its members. */
  pools(): PoolInfo[] {
    return this.#local('pools').list();
  }

  /** The members of one pool, or null if there is no such pool. */
  members(pool: string): readonly MemberInfo[] | null {
    return this.pools().find((info) => info.id === pool)?.members ?? null;
  }

  /**
   * What the server holds now and what it has refused so far: sockets, pools, members, bytes kept
   * and queued, refusals by reason. Walks every client: for monitoring, not for every message.
   */
  stats(): ServerStats {
    let sockets = 0;
    let away = 0;
    let heldBytes = 0;
    let queuedBytes = 0;
    for (const client of this.#sessions.clients.values()) {
      if (client.socket) {
        sockets += 1;
        queuedBytes += client.socket.bufferedAmount;
      } else {
        away += 1;
      }
      // a standing offer is held for the member too (a cluster keeps its members' in Redis)
      heldBytes += (client.outbox?.bytes ?? 0) + (client.standing?.description.sdp?.length ?? 0);
    }
    const { pools, members } = (this.#clusterRegistry ?? this.#registry!).size();
    return {
      sockets,
      connections: this.#admission.connectionCount,
      authenticating: this.#edge.authenticating,
      lingering: this.#edge.lingering,
      pools,
      members,
      away,
      heldBytes,
      queuedBytes,
      refusals: this.#refusals.snapshot(),
    };
  }

  /** @internal connects a cluster node to Redis (createSignallingServer does it before listening) */
  async joinCluster(): Promise<void> {
    if (!this.#clusterRegistry) return;
    try {
      await this.#clusterRegistry.link.start();
    } catch (error) {
      await this.close().catch(() => {});
      throw error;
    }
  }

  /** Session resume: on a single server, of its own members; in a cluster, on any node. */
  #resumption(tokens: ResumeTokens, sockets: ResumeSockets): SessionResumption {
    if (this.#clusterRegistry) return new ClusterResumption(tokens, this.#clusterRegistry, sockets);
    return new Resumption(tokens, { ...sockets, registry: this.#registry! });
  }

  /** Takes `/metrics` on an app's server: its request listeners get every other request. */
  #routeMetrics(server: Server): Array<(...args: unknown[]) => void> {
    const handlers = server.listeners('request') as Array<(...args: unknown[]) => void>;
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === 'GET' && requestPathname(request.url) === METRICS_PATH) void this.metrics.serve(request, response);
      else for (const handler of handlers) handler.call(server, request, response);
    });
    return handlers;
  }

  /** The single server's registry; in a cluster the app asks `server.cluster`, whose answers take a round trip. */
  #local(method: string): PoolRegistry<ServerClient> {
    if (!this.#registry) throw new Error(`in a cluster, use server.cluster.${method}(), which asks Redis`);
    return this.#registry;
  }

  /** Disconnects every client and stops listening (the HTTP server too, if it is our own). */
  async close(): Promise<void> {
    // a node says goodbye first: its members leave their pools on every node at once
    await this.#clusterRegistry?.close();
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweeper);
    this.httpServer.off('upgrade', this.#edge.onUpgrade);
    if (this.#appHandlers) {
      this.httpServer.removeAllListeners('request');
      for (const handler of this.#appHandlers) this.httpServer.on('request', handler);
    }
    this.#edge.close();
    this.#sessions.closeAll();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    if (this.#ownsServer && this.httpServer.listening) {
      await new Promise<void>((resolve, reject) => this.httpServer.close((err) => (err ? reject(err) : resolve())));
    }
  }
}

/**
 * Starts an ssp v2 signalling server: on its own port (default `127.0.0.1`, a free port), or on
 * an existing `http.Server`. Resolves once it is listening.
 *
 * @example
 * ```ts
 * import { createSignallingServer } from 'rtcpool/server';
 * const server = await createSignallingServer({ port: 8080, path: '/signal' });
 * console.log(server.url); // ws://127.0.0.1:8080/signal
 * ```
 */
export async function createSignallingServer(options: SignallingServerOptions = {}): Promise<SignallingServer> {
  const server = new SignallingServer(options);
  await server.joinCluster();
  if (!options.server) {
    await new Promise<void>((resolve, reject) => {
      server.httpServer.once('error', reject);
      server.httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.httpServer.off('error', reject);
        resolve();
      });
    });
  }
  return server;
}
