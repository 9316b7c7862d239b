import { WebSocket, type ClientOptions } from 'ws';

/** One event as a test client received it. */
export interface Received {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** How long a test waits for a message that should come. */
export const RECEIVE_TIMEOUT_MS = 2_000;
/** How long a test listens to prove that nothing comes. */
export const SILENCE_MS = 150;

/**
 * A real `ws` client for server specs: it queues every event it receives so a spec can await
 * them in order, and can prove that nothing arrived.
 */
export class WsTestClient {
  private readonly queue: Received[] = [];
  private waiter: (() => void) | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      this.queue.push(JSON.parse(String(raw)) as Received);
      this.waiter?.();
    });
  }

  /** Opens a client and waits until the socket is open. */
  static async connect(url: string, options?: ClientOptions): Promise<WsTestClient> {
    const socket = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new WsTestClient(socket);
  }

  /** Opens a client and joins `pool`; resolves with its `rtc:joined` data. */
  static async joined(url: string, pool: string, options?: ClientOptions): Promise<[WsTestClient, Received['data']]> {
    const client = await WsTestClient.connect(url, options);
    client.send('rtc:join', { pool });
    const joined = await client.next('rtc:joined');
    return [client, joined];
  }

  /** This client's id, once joined. */
  id = '';

  send(type: string, data: unknown): void {
    this.socket.send(JSON.stringify({ type, data }));
  }

  sendRaw(frame: string | Buffer, binary = false): void {
    this.socket.send(frame, { binary });
  }

  /** The next event, whatever its type; fails if none comes in time. */
  async nextEvent(): Promise<Received> {
    const data = await this.next();
    return { type: this.lastType, data };
  }

  private lastType = '';

  /** The next event; fails if it is not of `type` or does not come in time. */
  async next(type?: string): Promise<Received['data']> {
    const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message arrived (waiting for ${type ?? 'any'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    const event = this.queue.shift()!;
    this.lastType = event.type;
    if (type !== undefined && event.type !== type) {
      throw new Error(`expected ${type}, got ${event.type} ${JSON.stringify(event.data)}`);
    }
    if (event.type === 'rtc:joined') this.id = event.data.client_id as string;
    return event.data;
  }

  /** Resolves with the `reason` of the next event, which must be `rtc:error`. */
  async nextError(): Promise<string> {
    const data = await this.next('rtc:error');
    if (typeof data.message !== 'string') throw new Error('rtc:error without a message');
    return data.reason as string;
  }

  /** Fails if any event arrives within {@link SILENCE_MS}. */
  async expectSilence(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));
    if (this.queue.length > 0) throw new Error(`expected silence, got ${JSON.stringify(this.queue)}`);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.close();
    await closed;
  }
}

/** Resolves with the HTTP status a refused WebSocket upgrade got. */
export function refusedStatus(url: string, options?: ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('error', () => undefined);
  });
}
