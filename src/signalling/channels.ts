import { Signalling } from './signalling';
import { SocketIoTransceiver, type SocketIoLike } from './socketIoTransceiver';
import { Transceiver } from './transceiver';
import { WebSocketTransceiver, type WebSocketTarget, type WebSocketTransceiverOptions } from './webSocketTransceiver';

/**
 * A signalling channel over a WebSocket (3.x `signalling.websocket`).
 *
 * @example
 * ```ts
 * const pool = new Pool({ iceServers: [] }, new signalling.websocket('ws://127.0.0.1:8080/signal'));
 * // several servers of one cluster: each reconnect tries the next, and the session resumes there
 * const spread = new signalling.websocket(['wss://a.example/signal', 'wss://b.example/signal']);
 * ```
 */
export class WebSocketSignalling extends Signalling {
  /**
   * @param socket - a WebSocket (a browser's, or `ws`'s in Node), the URL to open one at, or
   *   several URLs to fail over across
   * @param options - reconnect behaviour (ours; on by default), and the WebSocket class for URLs
   */
  constructor(socket: WebSocketTarget, options?: WebSocketTransceiverOptions) {
    super(new WebSocketTransceiver(socket, options));
  }
}

/**
 * A signalling channel over a socket.io-client socket (3.x `signalling.socket.io`).
 *
 * @example
 * ```ts
 * import { io } from 'socket.io-client';
 * const pool = new Pool({ iceServers: [] }, new signalling.socket.io(io('https://rtc.example')));
 * ```
 */
export class SocketIoSignalling extends Signalling {
  /** @param socket - a socket returned by socket.io-client's `io()` */
  constructor(socket: SocketIoLike) {
    super(new SocketIoTransceiver(socket));
  }
}

/**
 * The 3.x `signalling` namespace, which is also the channel class itself: `new signalling(t)`
 * and `new signalling.signalling(t)` make the same kind of channel over a custom transceiver;
 * `signalling.websocket`, `signalling.socket.io` and the `signalling.transceiver` base class
 * hang off it as they did in 3.x.
 *
 * @example
 * ```ts
 * const signals = new signalling.websocket(new WebSocket(url));
 * class MyTransceiver extends signalling.transceiver { send() {} close() {} }
 * ```
 */
export class signalling extends Signalling {
  // Getters, not static fields: a static field compiles to a `static {}` block, which bundlers
  // must keep, and with it every class it names, in apps that never touch this namespace.

  /** The channel over a custom transceiver. */
  static get signalling(): typeof Signalling {
    return Signalling;
  }
  /** Base class of custom transceivers. */
  static get transceiver(): typeof Transceiver {
    return Transceiver;
  }
  /** The channel over a WebSocket. */
  static get websocket(): typeof WebSocketSignalling {
    return WebSocketSignalling;
  }
  /** socket.io channels: `signalling.socket.io`. */
  static get socket(): {
    /** The channel over a socket.io-client socket. */
    readonly io: typeof SocketIoSignalling;
  } {
    return SOCKET;
  }
}

/** The object behind `signalling.socket`: one, so `signalling.socket === signalling.socket`. */
const SOCKET = {
  /** The channel over a socket.io-client socket. */
  io: SocketIoSignalling,
} as const;
