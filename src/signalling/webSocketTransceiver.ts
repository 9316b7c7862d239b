import { RtcPoolError } from '../errors';
import { backoffDelay, type ReconnectOptions } from './backoff';
import { encodeFrame } from './parse';
import { Transceiver } from './transceiver';

/** Frames kept while the socket (re)connects; past that, `send()` throws `transport`. */
export const MAX_QUEUED_FRAMES = 1_000;

/** Options of a {@link WebSocketTransceiver}. */
export interface WebSocketTransceiverOptions {
  /**
   * Reconnect when the socket drops, with exponential backoff and jitter (the `RECONNECT_…`
   * constants); `false` never reconnects. Default: on, without limit.
   */
  readonly reconnect?: ReconnectOptions | false;
}

/**
 * A transceiver over a browser `WebSocket` (or a URL to open one): one JSON text frame per
 * event. Events sent while the socket connects or reconnects are queued and flushed on open;
 * `state$` says `reconnecting` while it is away.
 *
 * @example
 * ```ts
 * const transceiver = new WebSocketTransceiver('wss://rtc.example/signal', { reconnect: { maxDelayMs: 10_000 } });
 * transceiver.state$.subscribe((state) => banner.hidden = state === 'open');
 * ```
 */
export class WebSocketTransceiver extends Transceiver {
  private current: WebSocket;
  private readonly url: string;
  private queue: string[] = [];
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private ended = false;

  /**
   * @param socket - an open or connecting WebSocket, or the URL to open one at (a reconnect
   *   opens a new socket at the same URL)
   * @param options - reconnect behaviour
   */
  constructor(
    socket: WebSocket | string | URL,
    private readonly options: WebSocketTransceiverOptions = {},
  ) {
    const ws = typeof socket === 'string' || socket instanceof URL ? new WebSocket(socket) : socket;
    super(ws.readyState === WebSocket.OPEN ? 'open' : 'connecting');
    this.url = ws.url;
    this.current = ws;
    this.attach(ws);
    if (ws.readyState >= WebSocket.CLOSING) this.onClose();
  }

  /** The socket in use now (a new one after each reconnect). */
  get socket(): WebSocket {
    return this.current;
  }

  /**
   * Sends one event, or queues it while the socket connects.
   * @throws {@link RtcPoolError} `closed` once closed for good; `transport` when the queue is full
   */
  send(type: string, data: object): void {
    if (this.ended) throw new RtcPoolError('closed', `cannot send ${type}: the WebSocket transceiver is closed`);
    const frame = encodeFrame(type, data);
    if (this.current.readyState === WebSocket.OPEN) {
      this.current.send(frame);
      return;
    }
    if (this.queue.length >= MAX_QUEUED_FRAMES) {
      throw new RtcPoolError('transport', `cannot send ${type}: ${MAX_QUEUED_FRAMES} frames are already waiting for the socket`);
    }
    this.queue.push(frame);
  }

  /** Closes the socket for good, and removes every listener and timer this transceiver added. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.retry) clearTimeout(this.retry);
    this.detach(this.current);
    this.current.close();
    this.queue = [];
    this.closed();
  }

  private attach(ws: WebSocket): void {
    ws.addEventListener('open', this.onOpen);
    ws.addEventListener('message', this.onMessage);
    ws.addEventListener('error', this.onError);
    ws.addEventListener('close', this.onClose);
  }

  private detach(ws: WebSocket): void {
    ws.removeEventListener('open', this.onOpen);
    ws.removeEventListener('message', this.onMessage);
    ws.removeEventListener('error', this.onError);
    ws.removeEventListener('close', this.onClose);
  }

  private readonly onOpen = (): void => {
    this.attempt = 0;
    // say 'open' first: whoever listens (the pool resuming its session) speaks before the queue
    this.setState('open');
    const queued = this.queue;
    this.queue = [];
    for (const frame of queued) this.current.send(frame);
  };

  private readonly onMessage = (event: MessageEvent): void => this.receiveFrame(event.data);

  private readonly onError = (): void => {
    this.dispatchEvent(new CustomEvent('error', { detail: { reason: 'transport', message: 'the WebSocket failed' } }));
  };

  private readonly onClose = (): void => {
    if (this.ended) return;
    this.detach(this.current);
    const reconnect = this.options.reconnect;
    if (reconnect === false || this.attempt >= (reconnect?.maxAttempts ?? Infinity)) {
      this.ended = true;
      this.queue = [];
      this.closed();
      return;
    }
    this.setState(this.state === 'connecting' ? 'connecting' : 'reconnecting');
    this.retry = setTimeout(() => {
      this.retry = null;
      this.attempt += 1;
      this.current = new WebSocket(this.url);
      this.attach(this.current);
    }, backoffDelay(this.attempt, reconnect));
  };
}
