import { RtcPoolError } from '../errors';
import { decodeFrame, encodeFrame } from './parse';
import { Transceiver } from './transceiver';

/**
 * A transceiver over a browser `WebSocket` (or a URL to open one): one JSON text frame per
 * event. Events sent before the socket opens are queued and flushed on open.
 *
 * @example
 * ```ts
 * const transceiver = new WebSocketTransceiver('wss://rtc.example/signal');
 * transceiver.events$.subscribe(({ type, data }) => console.log(type, data));
 * ```
 */
export class WebSocketTransceiver extends Transceiver {
  /** The underlying socket. */
  readonly socket: WebSocket;
  private queue: string[] = [];

  /** @param socket - an open or connecting WebSocket, or the URL to open one at */
  constructor(socket: WebSocket | string | URL) {
    const ws = typeof socket === 'string' || socket instanceof URL ? new WebSocket(socket) : socket;
    super(ws.readyState === WebSocket.OPEN ? 'open' : ws.readyState === WebSocket.CONNECTING ? 'connecting' : 'closed');
    this.socket = ws;
    ws.addEventListener('open', this.onOpen);
    ws.addEventListener('message', this.onMessage);
    ws.addEventListener('error', this.onError);
    ws.addEventListener('close', this.onClose);
    if (ws.readyState >= WebSocket.CLOSING) this.onClose();
  }

  /**
   * Sends one event, or queues it while the socket connects.
   * @throws {@link RtcPoolError} `closed` once the socket is closing or closed
   */
  send(type: string, data: object): void {
    const frame = encodeFrame(type, data);
    if (this.socket.readyState === WebSocket.CONNECTING) this.queue.push(frame);
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
    else throw new RtcPoolError('closed', `cannot send ${type}: the WebSocket is closed`);
  }

  /** Closes the socket and removes every listener this transceiver added. */
  close(): void {
    this.socket.close();
    this.onClose();
  }

  private readonly onOpen = (): void => {
    const queued = this.queue;
    this.queue = [];
    for (const frame of queued) this.socket.send(frame);
    this.setState('open');
  };

  private readonly onMessage = (event: MessageEvent): void => {
    const decoded = decodeFrame(event.data);
    if (decoded.kind === 'invalid') {
      this.dispatchEvent(new CustomEvent('error', { detail: { reason: decoded.reason, message: decoded.detail } }));
    } else {
      this.dispatchEvent(new CustomEvent(decoded.type, { detail: decoded.data }));
    }
  };

  private readonly onError = (): void => {
    this.dispatchEvent(new CustomEvent('error', { detail: { reason: 'transport', message: 'the WebSocket failed' } }));
  };

  private readonly onClose = (): void => {
    if (this.state === 'closed') return;
    this.socket.removeEventListener('open', this.onOpen);
    this.socket.removeEventListener('message', this.onMessage);
    this.socket.removeEventListener('error', this.onError);
    this.socket.removeEventListener('close', this.onClose);
    this.queue = [];
    this.closed();
  };
}
