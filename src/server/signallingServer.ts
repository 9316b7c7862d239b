import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { v4 as uuidv4 } from 'uuid';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { PeerDescription, PeerId, ResumeMessage, ServerMessage } from '../signalling/messages';
import { encodeFrame, parseClientFrame } from '../signalling/parse';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_RESUME_GRACE_MS,
  HARD_FRAME_CAP_FACTOR,
  RESUME_BUFFER_LIMIT,
  resolveLimits,
  type AuthenticateResult,
  type ServerLimits,
  type SignallingServerOptions,
} from './options';
import { PoolRegistry, type Member, type MemberInfo, type PoolInfo, type Refusal } from './poolRegistry';
import { ResumeTokens } from './resumeTokens';
import { TokenBucket } from './tokenBucket';

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

/** How often a rate-limited socket is told so, at most: a flood is not answered with a flood. */
const RATE_LIMIT_NOTICE_INTERVAL_MS = 1_000;
/**
 * The close code `ws` reports when a socket ended without a close frame: a drop, after which
 * the member keeps its place for the resume grace period. A socket closed with a close frame
 * (whatever its code, or none: 1005) said goodbye, and its member leaves at once.
 */
const DROPPED_CLOSE_CODE = 1006;

/**
 * A connected client. Its socket can go away for a grace period (resume): meanwhile what is
 * sent to it is kept, and delivered when it resumes on a new socket.
 */
interface Client extends Member {
  id: PeerId;
  socket: WebSocket | null;
  bucket: TokenBucket;
  alive: boolean;
  lastRateNoticeAt: number;
  held: ServerMessage[];
  grace: NodeJS.Timeout | null;
}

/** Which client a socket speaks for: it changes when the socket resumes another's place. */
interface Binding {
  client: Client;
}

const HTTP_STATUS_TEXT: { readonly [status: number]: string } = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${HTTP_STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

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

  private readonly wss: WebSocketServer;
  private readonly registry: PoolRegistry;
  private readonly clients = new Map<PeerId, Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly ownsServer: boolean;
  private readonly tokens: ResumeTokens | null;
  private readonly graceMs: number;

  /** @internal use {@link createSignallingServer} */
  constructor(private readonly options: SignallingServerOptions = {}) {
    super();
    this.limits = resolveLimits(options.limits);
    this.path = options.path ?? '/';
    this.ownsServer = options.server === undefined;
    this.httpServer =
      options.server ??
      createServer((_request, response) => {
        response.writeHead(404).end();
      });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxFrameBytes * HARD_FRAME_CAP_FACTOR,
    });
    this.tokens = options.resume === false ? null : new ResumeTokens(options.resume?.secret);
    this.graceMs = options.resume === false ? 0 : (options.resume?.graceMs ?? DEFAULT_RESUME_GRACE_MS);
    this.registry = new PoolRegistry(this.limits, options.privatePools ?? false, {
      onJoin: (pool, member) => this.emit('join', { pool, member: { id: member.id, description: member.description } }),
      onLeave: (pool, member) => this.emit('leave', { pool, member: { id: member.id, description: member.description } }),
    });
    this.httpServer.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
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
    return this.registry.create(name);
  }

  /** Sends `rtc:stop` to every member of a pool and removes it; false if there is no such pool. */
  stop(pool: string): boolean {
    return this.registry.stop(pool);
  }

  /**
   * Sets the trusted description of a connected client, and sends `rtc:describe` to the other
   * members of its pool. False if no client has that id.
   */
  describe(clientId: PeerId, description: PeerDescription): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    this.registry.describe(client, description);
    return true;
  }

  /** Every pool and its members. */
  pools(): PoolInfo[] {
    return this.registry.list();
  }

  /** The members of one pool, or null if there is no such pool. */
  members(pool: string): readonly MemberInfo[] | null {
    return this.pools().find((info) => info.id === pool)?.members ?? null;
  }

  /** Disconnects every client and stops listening (the HTTP server too, if it is our own). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.httpServer.off('upgrade', this.onUpgrade);
    for (const client of this.clients.values()) {
      if (client.grace) clearTimeout(client.grace);
      client.socket?.terminate();
    }
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.ownsServer && this.httpServer.listening) {
      await new Promise<void>((resolve, reject) => this.httpServer.close((err) => (err ? reject(err) : resolve())));
    }
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // the raw socket may fail while we await the app's hook; that must not crash the server
    socket.on('error', () => socket.destroy());
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== this.path) {
      // on a shared server another handler may own this path
      if (this.ownsServer) refuseUpgrade(socket, 404);
      return;
    }
    const origin = request.headers.origin;
    if (this.options.origins && origin !== undefined && !this.options.origins.includes(origin)) {
      refuseUpgrade(socket, 403);
      return;
    }
    void this.authenticate(request).then((result) => {
      if (result === false) {
        refuseUpgrade(socket, 401);
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, result === true ? null : result.description ?? null));
    });
  };

  private async authenticate(request: IncomingMessage): Promise<AuthenticateResult> {
    if (!this.options.authenticate) return true;
    try {
      return await this.options.authenticate(request);
    } catch {
      return false;
    }
  }

  private accept(socket: WebSocket, description: PeerDescription): void {
    const client: Client = {
      id: uuidv4(),
      description,
      pool: null,
      socket,
      bucket: new TokenBucket(this.limits.messagesPerSecond, this.limits.messageBurst),
      alive: true,
      lastRateNoticeAt: -Infinity,
      held: [],
      grace: null,
      send: (message: ServerMessage) => this.deliver(client, this.withToken(message, client)),
    };
    const binding: Binding = { client };
    this.clients.set(client.id, client);
    socket.on('message', (data, isBinary) => this.onFrame(binding, data, isBinary));
    socket.on('pong', () => {
      binding.client.alive = true;
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', (code) => this.onSocketClosed(binding.client, socket, code));
  }

  private deliver(client: Client, message: ServerMessage): void {
    if (client.socket === null) {
      client.held.push(message);
      // a member that falls this far behind is given up, not buffered without end
      if (client.held.length > RESUME_BUFFER_LIMIT) this.forget(client);
      return;
    }
    if (client.socket.readyState === WebSocket.OPEN) client.socket.send(encodeFrame(message.type, message.data));
  }

  private onSocketClosed(client: Client, socket: WebSocket, code: number): void {
    // a socket replaced by a resume says nothing about its client any more
    if (client.socket !== socket) return;
    if (client.pool === null || this.graceMs <= 0 || code !== DROPPED_CLOSE_CODE) {
      this.forget(client);
      return;
    }
    client.socket = null;
    client.grace = setTimeout(() => this.forget(client), this.graceMs);
  }

  /** The member is gone for good: out of its pool (rtc:close to the others) and out of the server. */
  private forget(client: Client): void {
    if (client.grace) clearTimeout(client.grace);
    client.grace = null;
    client.held = [];
    if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    this.registry.leave(client);
    client.socket?.terminate();
  }

  private onFrame(binding: Binding, data: RawData, isBinary: boolean): void {
    const client = binding.client;
    if (!client.bucket.take()) {
      const now = Date.now();
      if (now - client.lastRateNoticeAt >= RATE_LIMIT_NOTICE_INTERVAL_MS) {
        client.lastRateNoticeAt = now;
        this.refuse(client, { reason: 'rate-limited', message: 'too many messages; this one was dropped' });
      }
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.refuse(client, { reason: 'bad-frame', message: 'frames are JSON text, not binary' });
      return;
    }
    if (bytes.byteLength > this.limits.maxFrameBytes) {
      this.refuse(client, { reason: 'frame-too-large', message: `frames are limited to ${this.limits.maxFrameBytes} bytes` });
      return;
    }
    const parsed = parseClientFrame(bytes.toString('utf8'));
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'invalid') {
      this.refuse(client, { reason: parsed.reason, message: parsed.detail });
      return;
    }
    const message = parsed.message;
    const refusal = message.type === 'rtc:resume' ? this.resume(binding, message) : this.registry.handle(client, message);
    if (refusal) this.refuse(client, refusal);
  }

  /** `rtc:joined` with the resume token, when resume is on. */
  private withToken(message: ServerMessage, client: Client): ServerMessage {
    if (message.type !== 'rtc:joined' || !this.tokens) return message;
    return { type: 'rtc:joined', data: { ...message.data, token: this.tokens.issue(client.id, message.data.pool) } };
  }

  private resume(binding: Binding, { data }: ResumeMessage): Refusal | null {
    const fresh = binding.client;
    if (!this.tokens) return { reason: 'unknown-type', message: 'this server does not resume sessions' };
    if (fresh.pool !== null) return { reason: 'already-joined', message: `already a member of pool '${fresh.pool}'` };
    if (!this.tokens.verify(data.id, data.pool, data.token)) {
      return { reason: 'resume-failed', message: 'the resume token does not match' };
    }
    const known = this.clients.get(data.id);
    if (known && known !== fresh && known.pool === data.pool) {
      // the member is still here (in its grace period, or on a socket it has not noticed is dead)
      if (known.grace) clearTimeout(known.grace);
      known.grace = null;
      const old = known.socket;
      known.socket = fresh.socket;
      known.alive = true;
      binding.client = known;
      this.clients.delete(fresh.id);
      old?.terminate();
      this.deliver(known, this.registry.resumed(known));
      for (const message of known.held.splice(0)) this.deliver(known, message);
      return null;
    }
    // a server that no longer knows the member (restarted, or the grace period ran out)
    if (known && known !== fresh) this.forget(known);
    this.clients.delete(fresh.id);
    fresh.id = data.id;
    this.clients.set(fresh.id, fresh);
    return this.registry.readmit(fresh, data.pool);
  }

  private refuse(client: Client, refusal: Refusal): void {
    client.send({ type: 'rtc:error', data: { message: refusal.message, reason: refusal.reason } });
  }

  private beat(): void {
    for (const client of this.clients.values()) {
      if (!client.socket) continue;
      if (!client.alive) {
        // terminate() fires 'close': the member enters its grace period, then leaves
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
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
