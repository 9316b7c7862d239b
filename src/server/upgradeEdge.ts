import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Admission } from './admission';
import { DEFAULT_AUTHENTICATE_TIMEOUT_MS, type AuthenticateResult, type SignallingServerOptions } from './options';
import { requestPathname } from './requestPathname';
import type { Grant } from './serverClient';
import { destroyOnError, RefusedUpgrades } from './refusedUpgrades';
import type { RefusalCounts } from './serverStats';

/** A grant for a hook-less server: everyone is welcome, described as null. */
const ANONYMOUS: Grant = { description: null, principal: undefined };

/** What the hook's answer grants, or null for a refusal. */
function grantOf(result: AuthenticateResult | null | undefined): Grant | null {
  if (result === true) return ANONYMOUS;
  if (typeof result !== 'object' || result === null) return null;
  const description = typeof result.description === 'object' ? result.description : null;
  return { description, principal: typeof result.principal === 'string' ? result.principal : undefined };
}

/**
 * The address a request's per-address limits count against: the socket's peer, or behind a
 * trusted proxy the last `X-Forwarded-For` entry (the one the proxy added; earlier ones are the
 * client's to write).
 */
export function requestAddress(request: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? request.headers['x-forwarded-for'] : undefined;
  const header = Array.isArray(forwarded) ? forwarded[forwarded.length - 1] : forwarded;
  const last = header?.split(',').pop()?.trim();
  return last || (request.socket.remoteAddress ?? 'unknown');
}

/**
 * The HTTP edge of the signalling endpoint: each upgrade request is checked (URL, path, origin,
 * connection limits, the `authenticate` hook with its time limit) before it becomes a WebSocket.
 * Every refusal is an HTTP status; nothing a request carries can throw out of here.
 */
export class UpgradeEdge {
  readonly #pending = new Set<Duplex>();
  readonly #refused = new RefusedUpgrades();
  readonly #timeoutMs: number;

  readonly #options: SignallingServerOptions;
  readonly #path: string;
  readonly #ownsServer: boolean;
  readonly #wss: WebSocketServer;
  readonly #admission: Admission;
  readonly #refusals: RefusalCounts;
  readonly #accept: (socket: WebSocket, grant: Grant, address: string) => void;

  constructor(
    options: SignallingServerOptions,
    path: string,
    ownsServer: boolean,
    wss: WebSocketServer,
    admission: Admission,
    refusals: RefusalCounts,
    accept: (socket: WebSocket, grant: Grant, address: string) => void,
  ) {
    this.#options = options;
    this.#path = path;
    this.#ownsServer = ownsServer;
    this.#wss = wss;
    this.#admission = admission;
    this.#refusals = refusals;
    this.#accept = accept;
    this.#timeoutMs = options.authenticateTimeoutMs ?? DEFAULT_AUTHENTICATE_TIMEOUT_MS;
  }

  /** Upgrades waiting for the hook. */
  get authenticating(): number {
    return this.#pending.size;
  }

  /** Sockets of refused upgrades not closed yet (each for a bounded time). */
  get lingering(): number {
    return this.#refused.size;
  }

  /** The `upgrade` listener of the HTTP server. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = requestPathname(request.url);
    // no handler can route a URL that does not parse: it gets 400 even on a shared server
    if (pathname !== null && pathname !== this.#path) {
      // on a shared server another handler may own this path, and this socket
      if (this.#ownsServer) this.#refused.refuse(socket, 404);
      return;
    }
    if (pathname === null) return this.#refuse(socket, 400, 'bad-url');
    const origin = request.headers.origin;
    if (this.#options.origins && origin !== undefined && !this.#options.origins.includes(origin)) {
      return this.#refuse(socket, 403, 'origin');
    }
    const address = requestAddress(request, this.#options.trustProxy ?? false);
    const status = this.#admission.connect(address);
    if (status !== 0) return this.#refused.refuse(socket, status);
    // without a hook the upgrade is synchronous: no listener needs to wait on the raw socket
    // (each one would cost memory for as long as the socket lives)
    if (!this.#options.authenticate) return this.#upgrade(request, socket, head, ANONYMOUS, address);
    this.#authenticate(request, socket, head, address);
  };

  /** Ends every upgrade still waiting for the hook, and every refused one still open. */
  close(): void {
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    this.#refused.close();
  }

  #authenticate(request: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
    // while the hook runs, the raw socket may fail or go: neither may crash the server or leak its count
    const release = (): void => this.#admission.release(address);
    socket.on('error', destroyOnError);
    socket.once('close', release);
    this.#pending.add(socket);
    let settled = false;
    const settle = (grant: Grant | null, status: 401 | 503, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.#pending.delete(socket);
      if (socket.destroyed) return;
      if (grant === null) return this.#refuse(socket, status, reason);
      socket.off('error', destroyOnError);
      socket.off('close', release);
      this.#upgrade(request, socket, head, grant, address);
    };
    const timer = setTimeout(() => settle(null, 503, 'authenticate-timeout'), this.#timeoutMs);
    const fail = (error: unknown): void => {
      if (!settled) (this.#options.log ?? console.warn)('rtcpool: the authenticate hook failed; the connection is refused (401)', error);
      settle(null, 401, 'authenticate-failed');
    };
    try {
      Promise.resolve(this.#options.authenticate!(request)).then((result) => settle(grantOf(result), 401, 'unauthenticated'), fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Hands the socket to ws; once it is a WebSocket, the sessions release its count when it closes. */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, grant: Grant, address: string): void {
    let accepted = false;
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      accepted = true;
      this.#accept(ws, grant, address);
    });
    // ws refused the handshake itself (a bad key or version, a socket already half closed)
    if (!accepted) this.#admission.release(address);
  }

  #refuse(socket: Duplex, status: number, reason: string): void {
    this.#refusals.count(reason);
    this.#refused.refuse(socket, status);
  }
}
