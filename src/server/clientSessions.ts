import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { IceServerFields, PeerId } from '../signalling/messages';
import { parseClientFrame } from '../signalling/parse';
import type { ServerLimits } from './options';
import { Outbox } from './outbox';
import type { Refusal, SessionRegistry } from './poolRegistry';
import type { ResumeSockets, SessionResumption } from './resumption';
import { ADDRESS, CLIENT, ServerClient, type ClientSocket, type Grant, type Overflow } from './serverClient';
import type { RefusalCounts } from './serverStats';

/** How often a rate-limited socket is told so, at most: a flood is not answered with a flood. */
const RATE_LIMIT_NOTICE_INTERVAL_MS = 1_000;
/**
 * The close code `ws` reports when a socket ended without a close frame: a drop, after which
 * the member keeps its place for the resume grace period. A socket closed with a close frame
 * (whatever its code, or none: 1005) said goodbye, and its member leaves at once.
 */
const DROPPED_CLOSE_CODE = 1006;
/** Close code for a socket that did not join within the join deadline. */
export const CLOSE_JOIN_DEADLINE = 4002;
/** Close code for a member given up because what was kept for it passed `maxHeldBytes`. */
export const CLOSE_HELD_TOO_MUCH = 4003;
/** Close code for a text frame that is not UTF-8: RFC 6455 §8.1 says to fail the connection, §7.4.1 names the code. */
export const CLOSE_INVALID_UTF8 = 1007;

// shared socket listeners (no closure per socket: a server holds many); `this` is the socket
function onSocketMessage(this: ClientSocket, data: RawData, isBinary: boolean): void {
  const client = this[CLIENT]!;
  client.host.receive(client, data, isBinary);
}
function onSocketPong(this: ClientSocket): void {
  this[CLIENT]!.alive = true;
}
function onSocketError(this: ClientSocket): void {
  this.terminate();
}
function onSocketClose(this: ClientSocket, code: number): void {
  const client = this[CLIENT]!;
  client.host.closed(client, this, code);
}

/**
 * A refusal still to come (a cluster's answers take a round trip). Not `instanceof Promise`: in
 * a process that loaded zone.js (an Angular server rendering beside us), `Promise` is zone.js's,
 * and an async function's native promise is not an instance of it.
 */
const isPending = (refusal: Refusal | null | Promise<Refusal | null>): refusal is Promise<Refusal | null> =>
  refusal !== null && typeof (refusal as { then?: unknown }).then === 'function';

const sizeOf = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((sum, chunk) => sum + chunk.byteLength, 0) : data.byteLength;
// ws hands a text message over as one Buffer (its binaryType is 'nodebuffer'); the rest is for the types
const bytesOf = (data: RawData): Buffer => (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));

/** What {@link ClientSessions} is made of. */
export interface SessionParts {
  readonly limits: ServerLimits;
  readonly registry: SessionRegistry<ServerClient>;
  /** Where the clients are kept (shared with a cluster's registry, which delivers to them). */
  readonly clients: Map<PeerId, ServerClient>;
  readonly refusals: RefusalCounts;
  /** Makes the session resume of these sockets (the single server's, or a cluster's); null when resume is off. */
  readonly resumption: ((sockets: ResumeSockets) => SessionResumption) | null;
  /** How long a dropped member keeps its place. */
  readonly graceMs: number;
  /** An `authenticate` hook runs: a resume takes the description it gives. */
  readonly describesOnResume: boolean;
  /** Fresh ICE servers for a member; null when the server hands none out (`turn`, `iceServers`). */
  readonly iceServers: (memberId: PeerId) => IceServerFields | null;
  /** A connection from `address` is gone. */
  release(address: string): void;
}

/**
 * Every connected client and its socket's life: accepted, frames in (rates, size, parse, then
 * the registry or a resume), the grace period after a drop, the heartbeat, the join deadline, and
 * the limits that cost a client its socket or its place.
 */
export class ClientSessions {
  /** Every client, by id (members away in their grace period included). */
  readonly clients: Map<PeerId, ServerClient>;
  /** The pools. */
  readonly registry: SessionRegistry<ServerClient>;
  /** Our limits (for {@link ServerClient}). */
  readonly limits: ServerLimits;
  readonly #resumption: SessionResumption | null;

  readonly #parts: SessionParts;

  constructor(parts: SessionParts) {
    this.#parts = parts;
    this.registry = parts.registry;
    this.clients = parts.clients;
    this.limits = parts.limits;
    this.#resumption =
      parts.resumption?.({
        clients: this.clients,
        rebind: (known, fresh) => this.rebind(known, fresh),
        iceServers: (member) => this.iceServers(member),
        handOff: (member) => this.handOff(member),
        describesOnResume: parts.describesOnResume,
      }) ?? null;
  }

  /** A socket passed the edge: it becomes a client, and its connection is released when it closes. */
  accept(socket: ClientSocket, grant: Grant, address: string): void {
    socket[ADDRESS] = address;
    const client = new ServerClient(this, randomUUID(), socket, grant.description, grant.principal, address);
    this.clients.set(client.id, client);
    socket.on('message', onSocketMessage);
    socket.on('pong', onSocketPong);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** A limit cost `client` its socket or its place. */
  overflow(client: ServerClient, cause: Overflow): void {
    if (cause === 'slow-reader') {
      // no close frame can reach a client that does not read: cut it, and its queue goes with it
      if (client.socket?.readyState !== WebSocket.OPEN) return;
      this.#parts.refusals.count(cause);
      client.socket.terminate();
      return;
    }
    if (this.clients.get(client.id) !== client) return;
    this.#parts.refusals.count(cause);
    this.#forget(client, CLOSE_HELD_TOO_MUCH);
  }

  /** The token of a member's `rtc:joined`. */
  joinToken(client: ServerClient): string | undefined {
    return this.#resumption?.issue(client);
  }

  /** The ICE servers of a member's `rtc:joined`, `rtc:resumed` and `rtc:ice-servers`. */
  iceServers(client: ServerClient): IceServerFields | null {
    return this.#parts.iceServers(client.id);
  }

  /** One frame from a client's socket. */
  receive(client: ServerClient, data: RawData, isBinary: boolean): void {
    if (client.doomed) return;
    const size = sizeOf(data);
    if (!client.takeFrame(size)) {
      this.#parts.refusals.count('rate-limited');
      const now = Math.floor(performance.now());
      if (client.lastRateNoticeAt === 0 || now - client.lastRateNoticeAt >= RATE_LIMIT_NOTICE_INTERVAL_MS) {
        client.lastRateNoticeAt = now;
        client.send({ type: 'rtc:error', data: { reason: 'rate-limited', message: 'too many messages or bytes; this one was dropped' } });
      }
      return;
    }
    if (isBinary) return this.#refuse(client, { reason: 'bad-frame', message: 'frames are JSON text, not binary' });
    if (size > this.limits.maxFrameBytes) {
      return this.#refuse(client, { reason: 'frame-too-large', message: `frames are limited to ${this.limits.maxFrameBytes} bytes` });
    }
    const bytes = bytesOf(data);
    // the server skips ws's own check (skipUTF8Validation): this one runs only on frames we go on to
    // decode, and a frame that is not UTF-8 ends the connection, whose member leaves at once
    if (!isUtf8(bytes)) {
      this.#parts.refusals.count('invalid-utf8');
      this.#forget(client, CLOSE_INVALID_UTF8);
      return;
    }
    const parsed = parseClientFrame(bytes.toString('utf8'));
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'invalid') return this.#refuse(client, { reason: parsed.reason, message: parsed.detail });
    const message = parsed.message;
    let refusal: Refusal | null | Promise<Refusal | null>;
    switch (message.type) {
      case 'rtc:ack':
        // only a member that asked for numbering has anything to acknowledge; others are ignored
        if (!client.outbox?.numbered) return;
        client.outbox.acknowledge(message.data.seq);
        this.registry.acknowledged?.(client, message.data.seq);
        return;
      case 'rtc:ice-servers': {
        // credentials name the member: only a member gets them
        const ice = client.pool === null ? null : this.#parts.iceServers(client.id);
        if (client.pool === null) refusal = { reason: 'not-joined', message: 'join a pool before asking for ICE servers' };
        else if (ice === null) refusal = { reason: 'unknown-type', message: 'this server hands out no ICE servers' };
        else return client.send({ type: 'rtc:ice-servers', data: { iceServers: ice.iceServers ?? [], ...ice } });
        break;
      }
      case 'rtc:resume':
        refusal = this.#resumption ? this.#resumption.resume(client, message) : { reason: 'unknown-type', message: 'this server does not resume sessions' };
        break;
      case 'rtc:join': {
        // a new membership numbers from 1 again (the client starts over on rtc:joined); set
        // before the join is applied, since a cluster's answers later (rtc:joined is not numbered)
        const outbox = client.outbox;
        if (client.pool === null) client.outbox = message.data.ack ? new Outbox(true) : null;
        refusal = this.registry.handle(client, message);
        if (refusal !== null && !isPending(refusal)) client.outbox = outbox;
        break;
      }
      default:
        refusal = this.registry.handle(client, message);
    }
    if (isPending(refusal)) refusal.then((late) => late && !client.doomed && this.#refuse(client, late));
    else if (refusal) this.#refuse(client, refusal);
  }

  /** A client's socket closed. */
  closed(client: ServerClient, socket: ClientSocket, code: number): void {
    this.#parts.release(socket[ADDRESS]!);
    // a socket replaced by a resume says nothing about its client any more
    if (client.socket !== socket) return;
    if (client.pool === null || this.#parts.graceMs <= 0 || code !== DROPPED_CLOSE_CODE || client.doomed) {
      this.#forget(client);
      return;
    }
    client.socket = null;
    client.grace = setTimeout(() => this.#forget(client), this.#parts.graceMs);
  }

  /** `known` takes over `fresh`'s socket (a resume); the socket `known` had, if any, is cut. */
  rebind(known: ServerClient, fresh: ServerClient): void {
    if (known.grace) clearTimeout(known.grace);
    known.grace = null;
    const old = known.socket;
    const socket = fresh.socket!;
    socket[CLIENT] = known;
    known.socket = socket;
    known.alive = true;
    fresh.socket = null;
    this.clients.delete(fresh.id);
    old?.terminate();
    // the description is what the hook says now; without a hook there is nothing fresher than the old one
    if (this.#parts.describesOnResume && JSON.stringify(known.description) !== JSON.stringify(fresh.description)) {
      this.registry.describe(known, fresh.description);
    }
  }

  /** The member resumed on another node: forgotten here without leaving its pool; its socket, if any, is cut. */
  handOff(client: ServerClient): void {
    if (client.grace) clearTimeout(client.grace);
    client.grace = null;
    client.outbox = null;
    client.nonce = null;
    client.pool = null;
    client.doomed = true;
    if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    client.socket?.terminate();
  }

  /** Pings every socket, and cuts those that did not answer the last ping. */
  beat(): void {
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

  /** Closes sockets past their join deadline, and forgets expired readmissions. */
  sweep(): void {
    const deadline = performance.now() - this.limits.joinDeadlineMs;
    for (const client of this.clients.values()) {
      const socket = client.socket;
      if (client.pool !== null || client.connectedAt > deadline || socket?.readyState !== WebSocket.OPEN) continue;
      this.#parts.refusals.count('join-deadline');
      socket.close(CLOSE_JOIN_DEADLINE, 'join-deadline');
    }
    this.#resumption?.sweep?.();
  }

  /** Cuts every socket and forgets every client, without telling the pools (the server is closing). */
  closeAll(): void {
    for (const client of this.clients.values()) {
      if (client.grace) clearTimeout(client.grace);
      client.grace = null;
      // its socket's close comes later, and must not start a grace period (a timer after close())
      client.doomed = true;
      client.socket?.terminate();
    }
    this.clients.clear();
  }

  /** The member is gone for good: out of its pool (rtc:close to the others) and out of the server. */
  #forget(client: ServerClient, closeCode?: number): void {
    if (client.grace) clearTimeout(client.grace);
    client.grace = null;
    client.outbox = null;
    client.nonce = null;
    client.doomed = true;
    if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    this.registry.leave(client);
    const socket = client.socket;
    if (socket && closeCode !== undefined && socket.readyState === WebSocket.OPEN) socket.close(closeCode);
    else socket?.terminate();
  }

  #refuse(client: ServerClient, refusal: Refusal): void {
    this.#parts.refusals.count(refusal.reason);
    client.send({ type: 'rtc:error', data: { message: refusal.message, reason: refusal.reason } });
  }
}
