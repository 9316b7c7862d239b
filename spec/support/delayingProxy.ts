// A distant signalling server, simulated: a WebSocket proxy on 127.0.0.1 that holds every frame
// `delayMs` in each direction, in order, before passing it on. `netem` is not available on these
// machines (design.md); this is what a user 150 ms from the server sees, for the browser tier's
// distance specs and the benchmark's distance rows. Test-only: none of it is in the product.
//
// `plain: true` makes the server behind it look like a plain ssp v2 server: the client's
// extension fields are taken out of what it sends (`rtc:join` asks for nothing), and the
// server's out of `rtc:joined` (no token, no offerers, no standing offers, no ICE servers).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** How the proxy treats what passes. */
export interface DelayingProxyOptions {
  /** The signalling server's WebSocket URL. */
  readonly target: string;
  /** How long every frame is held, each way. */
  readonly delayMs: number;
  /** Strip our extensions, so that the server looks like a plain ssp v2 server. */
  readonly plain?: boolean;
}

/** A running proxy. */
export interface DelayingProxy {
  /** The URL clients connect to instead of the server's. */
  readonly url: string;
  /** Frames passed on so far, each way. */
  readonly frames: { up: number; down: number };
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** Fields of ours a plain ssp v2 server neither asks for nor sends. */
const CLIENT_EXTENSIONS: Readonly<Record<string, readonly string[]>> = { 'rtc:join': ['ack', 'offerer', 'standing'] };
const SERVER_EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'rtc:joined': ['token', 'offerers', 'standingOffers', 'iceServers', 'iceServersTtl'],
};

/** One direction of one connection: what came leaves in the order it came, each `delayMs` after it came. */
class DelayLine {
  private readonly queue: Array<{ readonly at: number; readonly pass: () => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly delayMs: number) {}

  /** Runs `pass` (a frame, or the close, going on) once it has been held for the delay. */
  push(pass: () => void): void {
    this.queue.push({ at: Date.now() + this.delayMs, pass });
    if (this.timer === null) this.schedule();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // everything due by now goes, in order
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.at <= now) this.queue.shift()!.pass();
      this.schedule();
    }, Math.max(0, head.at - Date.now()));
  }
}

/** Takes our extension fields out of a text frame, for `plain`; other frames pass unchanged. */
function stripped(data: RawData | string, extensions: Readonly<Record<string, readonly string[]>>): RawData | string {
  let message: { type?: unknown; data?: Record<string, unknown> };
  try {
    message = JSON.parse(data.toString()) as typeof message;
  } catch {
    return data;
  }
  const fields = typeof message.type === 'string' ? extensions[message.type] : undefined;
  if (!fields || typeof message.data !== 'object' || message.data === null) return data;
  for (const field of fields) delete message.data[field];
  return JSON.stringify(message);
}

/** Starts a delaying proxy in front of `options.target`, on a free port of 127.0.0.1. */
export async function startDelayingProxy(options: DelayingProxyOptions): Promise<DelayingProxy> {
  const target = new URL(options.target);
  const http: Server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });
  const sockets = new Set<WebSocket>();
  const lines = new Set<DelayLine>();
  const frames = { up: 0, down: 0 };

  wss.on('connection', (client, request) => {
    const upstream = new WebSocket(new URL(request.url ?? '/', target).href.replace(/^http/, 'ws'));
    sockets.add(client);
    sockets.add(upstream);
    const up = new DelayLine(options.delayMs);
    const down = new DelayLine(options.delayMs);
    lines.add(up);
    lines.add(down);
    /** What the client sent before the server's socket opened. */
    const early: Array<() => void> = [];
    const toServer = (data: RawData, binary: boolean) => (): void => {
      if (upstream.readyState === WebSocket.CONNECTING) return void early.push(toServer(data, binary));
      if (upstream.readyState !== WebSocket.OPEN) return;
      frames.up += 1;
      upstream.send(options.plain && !binary ? stripped(data, CLIENT_EXTENSIONS) : data, { binary });
    };
    const toClient = (data: RawData, binary: boolean) => (): void => {
      if (client.readyState !== WebSocket.OPEN) return;
      frames.down += 1;
      client.send(options.plain && !binary ? stripped(data, SERVER_EXTENSIONS) : data, { binary });
    };
    upstream.on('open', () => early.splice(0).forEach((send) => send()));
    client.on('message', (data, binary) => up.push(toServer(data, binary)));
    upstream.on('message', (data, binary) => down.push(toClient(data, binary)));
    // a close travels behind the frames sent before it, as far as they do
    const closeOf = (socket: WebSocket, code: number) => (): void => {
      // 1005 and 1006 are never sent in a close frame
      if (code === 1005 || code === 1006 || socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(code);
    };
    client.on('close', (code) => {
      sockets.delete(client);
      up.push(closeOf(upstream, code));
    });
    upstream.on('close', (code) => {
      sockets.delete(upstream);
      down.push(closeOf(client, code));
    });
    client.on('error', () => client.terminate());
    upstream.on('error', () => upstream.terminate());
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${target.pathname}`,
    frames,
    close: async () => {
      for (const line of lines) line.stop();
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
