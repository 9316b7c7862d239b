import { Transceiver } from './transceiver';

/**
 * The part of a `socket.io-client` socket that the transceiver uses, so that rtcpool never
 * imports socket.io itself (it is an optional peer dependency).
 */
export interface SocketIoLike {
  /** Whether the socket is connected now. */
  readonly connected: boolean;
  /** Emits an event. */
  emit(event: string, ...args: unknown[]): unknown;
  /** Listens to every event. */
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  /** Stops listening to every event. */
  offAny(listener?: (event: string, ...args: unknown[]) => void): unknown;
  /** Listens to a connection event. */
  on(event: 'connect' | 'disconnect', listener: () => void): unknown;
  /** Stops listening to a connection event. */
  off(event: 'connect' | 'disconnect', listener: () => void): unknown;
  /** Closes the socket. */
  close(): unknown;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A transceiver over a socket.io-client socket: the event name is the type, the single argument
 * the data. socket.io buffers what is emitted while it connects.
 *
 * @example
 * ```ts
 * import { io } from 'socket.io-client';
 * const transceiver = new SocketIoTransceiver(io('https://rtc.example'));
 * ```
 */
export class SocketIoTransceiver extends Transceiver {
  /** @param socket - a socket returned by socket.io-client's `io()` */
  constructor(readonly socket: SocketIoLike) {
    super(socket.connected ? 'open' : 'connecting');
    socket.onAny(this.#onAny);
    socket.on('connect', this.#onConnect);
    socket.on('disconnect', this.#onDisconnect);
  }

  /** Emits one event. */
  send(type: string, data: object): void {
    this.socket.emit(type, data);
  }

  /** Closes the socket and removes every listener this transceiver added. */
  close(): void {
    if (this.state === 'closed') return;
    this.socket.offAny(this.#onAny);
    this.socket.off('connect', this.#onConnect);
    this.socket.off('disconnect', this.#onDisconnect);
    this.socket.close();
    this.closed();
  }

  readonly #onAny = (type: string, data?: unknown): void => {
    if (!isObject(data)) {
      this.dispatchEvent(new CustomEvent('error', { detail: { reason: 'bad-frame', message: `event '${type}' carries no object data` } }));
      return;
    }
    this.dispatchEvent(new CustomEvent(type, { detail: data }));
  };

  // socket.io reconnects by itself; 'connecting' says signalling is away meanwhile
  readonly #onConnect = (): void => this.setState('open');
  readonly #onDisconnect = (): void => this.setState('connecting');
}
