import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import {
  CLUSTER_QUEUE_LIMIT,
  CLUSTER_QUEUE_TIMEOUT_MS,
  DEFAULT_CLUSTER_PREFIX,
  INBOX_BATCH,
  INBOX_BLOCK_MS,
  NODE_REFRESH_MS,
  NODE_TTL_MS,
  REAP_INTERVAL_MS,
  RESTORE_SETTLE_MS,
  type ClusterOptions,
} from './clusterOptions';
import { CREATE, DEPART, DESCRIBE, JOIN, LEAVE, LIST, REAP, RELAY, RESTORE, STANDING, STOP } from './clusterScripts';
import { ACK, HANDOVER, RESUME } from './resumeScripts';

/** The scripts, by the command name each is defined as on the connection. */
const SCRIPTS = { rtcJoin: JOIN, rtcRelay: RELAY, rtcLeave: LEAVE, rtcDescribe: DESCRIBE, rtcCreate: CREATE, rtcStop: STOP, rtcList: LIST, rtcReap: REAP, rtcRestore: RESTORE, rtcDepart: DEPART, rtcResume: RESUME, rtcHandover: HANDOVER, rtcAck: ACK, rtcStanding: STANDING };
/** A script's name. */
export type ScriptName = keyof typeof SCRIPTS;

/** Our own connections fail fast while Redis is away: what waits for it is our queue, which puts restoring first. */
const CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  retryStrategy: (times) => Math.min(50 * times, 1_000),
};

/** What the link asks of the node it serves. */
export interface LinkHost {
  /** RESTORE's arguments after the node id and TTL: what this node's sockets hold. */
  restoreArgs(): string[];
  /** Members whose pool was stopped and created again while Redis had forgotten them. */
  stopped(ids: readonly string[]): void;
  /** One inbox entry's fields (`to`, `pool`, `m`). */
  deliver(fields: readonly string[]): void;
  /** One measured round trip to Redis, in seconds. */
  roundTrip(seconds: number): void;
}

interface Queued {
  readonly name: ScriptName;
  readonly args: readonly (string | number)[];
  readonly at: number;
  /** Never given up for time (leaving, describing): it must reach Redis. */
  readonly durable: boolean;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Why a queued or failed operation did not reach Redis. */
export class ClusterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterUnavailableError';
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * One node's link to the cluster's Redis: a command connection that runs the scripts, a second
 * one blocked on the node's inbox stream, the node's liveness key, and the reaping of dead nodes.
 * While Redis is away, operations wait in a bounded queue; when it is back, the node first puts
 * back what Redis lost of it (a restart without persistence), then runs what waited, in order.
 */
export class ClusterLink {
  /** This node's id (one per process lifetime of a server). */
  readonly node = randomUUID();
  /** Key prefix. */
  readonly prefix: string;
  readonly #redis: Redis;
  readonly #reader: Redis;
  readonly #queue: Queued[] = [];
  #ready = false;
  #closed = false;
  #resyncing = false;
  #registered = false;
  #lastId = '0-0';
  #timers: NodeJS.Timeout[] = [];

  readonly #host: LinkHost;

  constructor(
    options: ClusterOptions,
    host: LinkHost,
  ) {
    this.#host = host;
    this.prefix = options.prefix ?? DEFAULT_CLUSTER_PREFIX;
    const make = (): Redis =>
      typeof options.redis === 'string' ? new Redis(options.redis, CONNECTION_OPTIONS) : options.redis.duplicate(CONNECTION_OPTIONS);
    this.#redis = make();
    this.#reader = make();
    for (const [name, lua] of Object.entries(SCRIPTS)) this.#redis.defineCommand(name, { numberOfKeys: 0, lua });
    // errors come back to the operations; a connection's 'error' alone must not end the process
    this.#redis.on('error', () => {});
    this.#reader.on('error', () => {});
    this.#redis.on('close', () => {
      this.#ready = false;
    });
    this.#redis.on('ready', () => void this.#resync());
  }

  /** Operations waiting for Redis. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Connects, registers the node and starts reading its inbox; rejects if Redis cannot be reached. */
  async start(): Promise<void> {
    await Promise.all([this.#redis.connect(), this.#reader.connect()]);
    await this.#resync();
    const deadline = Date.now() + NODE_TTL_MS;
    // the connection's own 'ready' may have started the resync first
    while (!this.#ready) {
      if (Date.now() > deadline) throw new ClusterUnavailableError('could not register the node with Redis');
      await delay(10);
    }
    void this.#readInbox();
    this.#timers = [setInterval(() => void this.#refresh(), NODE_REFRESH_MS), setInterval(() => void this.#reap(), REAP_INTERVAL_MS), setInterval(() => this.#expire(), 1_000)];
    for (const timer of this.#timers) timer.unref();
  }

  /**
   * Runs a script (its arguments after the prefix): now, or once Redis is back. Rejects with
   * {@link ClusterUnavailableError} when it could not run (Redis away too long, or gone mid-way).
   */
  run(name: ScriptName, args: readonly (string | number)[], durable = false): Promise<unknown> {
    if (this.#ready) return this.#send(name, args);
    if (this.#closed) return Promise.reject(new ClusterUnavailableError('the node is closing'));
    if (!durable && this.#queue.length >= CLUSTER_QUEUE_LIMIT) return Promise.reject(new ClusterUnavailableError('Redis is unreachable and the queue is full'));
    return new Promise((resolve, reject) => this.#queue.push({ name, args, at: Date.now(), durable, resolve, reject }));
  }

  /**
   * Runs a script now, or rejects with {@link ClusterUnavailableError} at once while Redis is away
   * (or the node is putting itself back): for an operation whose sender tries again itself.
   */
  runNow(name: ScriptName, args: readonly (string | number)[]): Promise<unknown> {
    if (!this.#ready) return Promise.reject(new ClusterUnavailableError('Redis is unreachable'));
    return this.#send(name, args);
  }

  /** Says goodbye (the node's members leave at once) and closes both connections. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#ready) await this.#send('rtcDepart', [this.node]).catch(() => {});
    this.#closed = true;
    this.#ready = false;
    for (const op of this.#queue.splice(0)) op.reject(new ClusterUnavailableError('the node is closing'));
    this.#reader.disconnect();
    this.#redis.disconnect();
  }

  #send(name: ScriptName, args: readonly (string | number)[]): Promise<unknown> {
    const command = (this.#redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>)[name];
    return command.call(this.#redis, this.prefix, ...args).catch((error: unknown) => {
      // an error Redis answered is a bug of ours (unless it is still loading); anything else is the connection
      if (error instanceof Error && error.name === 'ReplyError' && !/^(LOADING|BUSY|MASTERDOWN)/.test(error.message)) throw error;
      throw new ClusterUnavailableError(error instanceof Error ? error.message : String(error));
    });
  }

  /**
   * Redis is (back) up: if it no longer knows this node (it restarted empty, or the node was taken
   * for dead), the node puts back what its sockets hold; then what waited runs, in order.
   */
  async #resync(): Promise<void> {
    if (this.#resyncing || this.#closed) return;
    this.#resyncing = true;
    try {
      const known = await this.#redis.set(this.#key('alive', this.node), '1', 'PX', NODE_TTL_MS, 'XX');
      if (known === null) {
        await this.#restore();
        // Redis had lost us, so it lost the others too: give them time to put their members back
        if (this.#registered) await delay(RESTORE_SETTLE_MS);
        if (this.#redis.status !== 'ready') return;
      }
      this.#registered = true;
      this.#ready = true;
      for (const op of this.#queue.splice(0)) this.#send(op.name, op.args).then(op.resolve, op.reject);
    } catch {
      // gone again: the next 'ready' tries again
    } finally {
      this.#resyncing = false;
    }
  }

  async #restore(): Promise<void> {
    const stopped = (await this.#send('rtcRestore', [this.node, NODE_TTL_MS, ...this.#host.restoreArgs()])) as string[];
    if (stopped.length > 0) this.#host.stopped(stopped);
  }

  async #refresh(): Promise<void> {
    if (!this.#ready || this.#resyncing) return;
    const start = performance.now();
    try {
      const known = await this.#redis.set(this.#key('alive', this.node), '1', 'PX', NODE_TTL_MS, 'XX');
      this.#host.roundTrip((performance.now() - start) / 1000);
      if (known === null && !this.#resyncing) {
        // taken for dead (Redis was away longer than the TTL): hold operations, put the node back
        this.#ready = false;
        await this.#resync();
      }
    } catch {
      // the connection's events take it from here
    }
  }

  async #reap(): Promise<void> {
    if (!this.#ready) return;
    await this.#send('rtcReap', [this.node]).catch(() => {});
  }

  /** Relays that waited too long are given up: their senders are told. */
  #expire(): void {
    const before = Date.now() - CLUSTER_QUEUE_TIMEOUT_MS;
    for (let i = this.#queue.length - 1; i >= 0; i -= 1) {
      const op = this.#queue[i]!;
      if (op.durable || op.at > before) continue;
      this.#queue.splice(i, 1);
      op.reject(new ClusterUnavailableError('Redis was unreachable for too long'));
    }
  }

  async #readInbox(): Promise<void> {
    const inbox = this.#key('inbox', this.node);
    while (!this.#closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.#reader.xread('COUNT', INBOX_BATCH, 'BLOCK', INBOX_BLOCK_MS, 'STREAMS', inbox, this.#lastId)) as typeof reply;
      } catch {
        if (!this.#closed) await delay(100);
        continue;
      }
      if (reply === null) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          this.#lastId = id;
          try {
            this.#host.deliver(fields);
          } catch {
            // one bad entry must not stop the node's inbox
          }
        }
      }
      // what is read is done with: the stream holds only what is in flight
      this.#reader.xtrim(inbox, 'MINID', this.#lastId).catch(() => {});
    }
  }

  #key(kind: string, id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }
}
