import { RtcPoolError } from '../errors';
import { backoffDelay, type ReconnectOptions } from './backoff';
import { encodeFrame } from './parse';
import { Transceiver } from './transceiver';
import { runOutsideZone } from '../zone/runOutsideZone';

/** Frames kept while the socket (re)connects; past that, `send()` throws `transport`. */
export const MAX_QUEUED_FRAMES = 1_000;

/**
 * The WebSocket `readyState` values, as numbers: the `WebSocket.OPEN` constants are looked up on
 * no global, so a `ws` socket in Node (or any socket of this shape) works the same.
 */
const OPEN = 1;
const CLOSING = 2;

/** The socket events the transceiver listens to. */
export type SocketEventType = 'open' | 'message' | 'error' | 'close';

/**
 * What the transceiver needs of a socket: a browser `WebSocket`, a `ws` WebSocket in Node, or
 * anything else of this shape. Text frames arrive as `message` events whose `data` is a string.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** The URL it was opened at. */
  readonly url: string;
  /** Sends one text frame. */
  send(data: string): void;
  /** Closes it. */
  close(): void;
  /** Listens for `open`, `message`, `error` and `close`. */
  addEventListener(type: SocketEventType, listener: (event: object) => void): void;
  /** Stops listening. */
  removeEventListener(type: SocketEventType, listener: (event: object) => void): void;
}

/** A constructor of {@link WebSocketLike} sockets: the browser's `WebSocket`, or `ws`'s in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of a {@link WebSocketTransceiver}. */
export interface WebSocketTransceiverOptions {
  /**
   * Reconnect when the socket drops, with exponential backoff and jitter (the `RECONNECT_…`
   * constants); `false` never reconnects. Default: on, without limit.
   */
  readonly reconnect?: ReconnectOptions | false;
  /**
   * The WebSocket class to open URLs with (the first socket, and every reconnect): in Node,
   * `WebSocket` from `ws`. Default: the global `WebSocket`.
   */
  readonly WebSocket?: WebSocketConstructor;
}

/** Where a transceiver connects: a socket, a URL, or URLs to fail over across. */
export type WebSocketTarget = WebSocketLike | string | URL | readonly (string | URL)[];

/**
 * A transceiver over a WebSocket (a browser's, a `ws` one in Node, or a URL to open one): one JSON
 * text frame per event. Events sent while the socket connects or reconnects are queued and
 * flushed on open; `state$` says `reconnecting` while it is away.
 *
 * Given several URLs (servers of one cluster), each reconnect tries the next one, so a pool
 * whose server went away resumes its session on another.
 *
 * @example
 * ```ts
 * const transceiver = new WebSocketTransceiver('wss://rtc.example/signal', { reconnect: { maxDelayMs: 10_000 } });
 * transceiver.state$.subscribe((state) => banner.hidden = state === 'open');
 * // in Node: import { WebSocket } from 'ws'
 * const node = new WebSocketTransceiver(['ws://a.internal/signal', 'ws://b.internal/signal'], { WebSocket });
 * ```
 */
export class WebSocketTransceiver extends Transceiver {
  #current: WebSocketLike;

  /** The URLs reconnects cycle through; the socket's own URL when given a socket. */
  readonly #urls: readonly string[];
  #urlIndex = 0;
  #queue: string[] = [];
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #ended = false;

  readonly #options: WebSocketTransceiverOptions;

  /**
   * @param socket - an open or connecting WebSocket; or the URL to open one at (a reconnect opens
   *   a new socket at the same URL); or several URLs, tried in turn
   * @param options - reconnect behaviour, and the WebSocket class for URLs
   * @throws {@link RtcPoolError} `bad-argument` for an empty URL list; `unsupported` for a URL
   *   where there is no WebSocket class (Node without `options.WebSocket`)
   */
  constructor(
    socket: WebSocketTarget,
    options: WebSocketTransceiverOptions = {},
  ) {
    const urls = isSocket(socket) ? [socket.url] : (Array.isArray(socket) ? socket : [socket]).map(String);
    if (urls.length === 0) throw new RtcPoolError('bad-argument', 'a WebSocket transceiver needs at least one URL');
    // with zone.js, the socket and its listeners (and so the reconnect timers) live in the root
    // zone: frames never wake an Angular app, only the pool's public emissions do
    const ws = isSocket(socket) ? socket : runOutsideZone(() => openSocket(urls[0]!, options));
    super(ws.readyState === OPEN ? 'open' : 'connecting');
    this.#options = options;
    this.#urls = urls;
    this.#current = ws;
    runOutsideZone(() => {
      this.#attach(ws);
      if (ws.readyState >= CLOSING) this.#onClose();
    });
  }

  /** The socket in use now (a new one after each reconnect). */
  get socket(): WebSocketLike {
    return this.#current;
  }

  /**
   * Sends one event, or queues it while the socket connects.
   * @throws {@link RtcPoolError} `closed` once closed for good; `transport` when the queue is full
   */
  send(type: string, data: object): void {
    if (this.#ended) throw new RtcPoolError('closed', `cannot send ${type}: the WebSocket transceiver is closed`);
    const frame = encodeFrame(type, data);
    if (this.#current.readyState === OPEN) {
      this.#current.send(frame);
      return;
    }
    if (this.#queue.length >= MAX_QUEUED_FRAMES) {
      throw new RtcPoolError('transport', `cannot send ${type}: ${MAX_QUEUED_FRAMES} frames are already waiting for the socket`);
    }
    this.#queue.push(frame);
  }

  /** Closes the socket for good, and removes every listener and timer this transceiver added. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#detach(this.#current);
    this.#current.close();
    this.#queue = [];
    this.closed();
  }

  #attach(ws: WebSocketLike): void {
    ws.addEventListener('open', this.#onOpen);
    ws.addEventListener('message', this.#onMessage);
    ws.addEventListener('error', this.#onError);
    ws.addEventListener('close', this.#onClose);
  }

  #detach(ws: WebSocketLike): void {
    ws.removeEventListener('open', this.#onOpen);
    ws.removeEventListener('message', this.#onMessage);
    ws.removeEventListener('error', this.#onError);
    ws.removeEventListener('close', this.#onClose);
  }

  readonly #onOpen = (): void => {
    this.#attempt = 0;
    // say 'open' first: whoever listens (the pool resuming its session) speaks before the queue
    this.setState('open');
    const queued = this.#queue;
    this.#queue = [];
    for (const frame of queued) this.#current.send(frame);
  };

  readonly #onMessage = (event: object): void => this.receiveFrame((event as { readonly data: unknown }).data);

  readonly #onError = (): void => {
    this.dispatchEvent(new CustomEvent('error', { detail: { reason: 'transport', message: 'the WebSocket failed' } }));
  };

  readonly #onClose = (): void => {
    if (this.#ended) return;
    this.#detach(this.#current);
    const reconnect = this.#options.reconnect;
    if (reconnect === false || this.#attempt >= (reconnect?.maxAttempts ?? Infinity)) {
      this.#ended = true;
      this.#queue = [];
      this.closed();
      return;
    }
    this.setState(this.state === 'connecting' ? 'connecting' : 'reconnecting');
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#attempt += 1;
      // the next server of a cluster: this one may be the one that went away
      this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length;
      try {
        this.#current = openSocket(this.#urls[this.#urlIndex]!, this.#options);
      } catch (error) {
        // a URL the WebSocket class refuses: say so, and try the next one after the backoff
        this.dispatchEvent(new CustomEvent('error', { detail: { reason: 'transport', message: `cannot open ${this.#urls[this.#urlIndex]}: ${String(error)}` } }));
        this.#onClose();
        return;
      }
      this.#attach(this.#current);
    }, backoffDelay(this.#attempt, reconnect));
  };
}

const isSocket = (target: WebSocketTarget): target is WebSocketLike =>
  typeof target === 'object' && !(target instanceof URL) && !Array.isArray(target);

function openSocket(url: string, options: WebSocketTransceiverOptions): WebSocketLike {
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocketClass === undefined) {
    throw new RtcPoolError('unsupported', "there is no WebSocket here: pass { WebSocket } (in Node, from 'ws') in the transceiver's options, or an open socket");
  }
  return new WebSocketClass(url);
}
