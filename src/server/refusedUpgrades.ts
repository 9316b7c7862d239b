import type { Duplex } from 'node:stream';

/**
 * How long the socket of a refused upgrade stays open after the answer is written, at most. The
 * answer ends with our FIN; a client that reads it closes its side within a round trip, and the
 * socket goes then. One that never reads would keep it open for ever: after this it is destroyed
 * (the kernel still delivers what was written). Long enough for a client 300 ms away on a busy
 * machine to read the answer and close first, so that it gets our answer rather than a reset.
 */
export const REFUSED_UPGRADE_LINGER_MS = 1_000;

/**
 * Sockets of refused upgrades held at once, at most. Each lingers a bounded time, so the count is
 * bounded by the rate of refusals; this caps it even under a flood: past it, the oldest one is
 * destroyed at once.
 */
export const MAX_REFUSED_UPGRADES = 1_024;

const STATUS_TEXT: { readonly [status: number]: string } = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * The `error` listener of a raw socket the edge holds: a client gone mid-way must not crash the
 * server. One shared function, not a closure per socket (a flood of upgrades makes many).
 */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}
function destroySocket(socket: Duplex): void {
  socket.destroy();
}

/**
 * The sockets of refused upgrades, between the HTTP answer and their end: each is destroyed once
 * the client closes its side, or {@link REFUSED_UPGRADE_LINGER_MS} after the answer, whichever
 * comes first, so a client that never reads cannot make the server hold its socket.
 */
export class RefusedUpgrades {
  readonly #held = new Map<Duplex, NodeJS.Timeout>();

  /** Sockets answered and not yet closed. */
  get size(): number {
    return this.#held.size;
  }

  /** Answers `socket` with the HTTP `status`, and lets it go within the linger. */
  refuse(socket: Duplex, status: number): void {
    // a client gone before it reads the answer must not crash the server
    if (!socket.listeners('error').includes(destroyOnError)) socket.on('error', destroyOnError);
    if (socket.destroyed || this.#held.has(socket)) return;
    if (this.#held.size >= MAX_REFUSED_UPGRADES) this.#release(this.#held.keys().next().value!);
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    const timer = setTimeout(destroySocket, REFUSED_UPGRADE_LINGER_MS, socket);
    timer.unref();
    this.#held.set(socket, timer);
    socket.once('close', () => this.#forget(socket));
  }

  /** Destroys every socket still held (the server is closing). */
  close(): void {
    for (const socket of [...this.#held.keys()]) this.#release(socket);
  }

  /** Destroys a held socket now; it no longer counts (its 'close' comes a tick later). */
  #release(socket: Duplex): void {
    this.#forget(socket);
    socket.destroy();
  }

  #forget(socket: Duplex): void {
    clearTimeout(this.#held.get(socket));
    this.#held.delete(socket);
  }
}
