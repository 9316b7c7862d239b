import { WebSocket, type RawData } from 'ws';
import type { IceServerFields, PeerDescription, PeerId, ServerMessage } from '../signalling/messages';
import type { ServerLimits } from './options';
import { encodeServerFrame, Outbox } from './outbox';
import type { Member, StandingOffer } from './poolRegistry';

/** Where a socket keeps the client it speaks for: it changes when the socket resumes another's place. */
export const CLIENT = Symbol('rtcpool.client');

/** Where a socket keeps the address its connection counts against (a socket's, not a client's: resumes move clients). */
export const ADDRESS = Symbol('rtcpool.address');

/** A server-side WebSocket, with the client it speaks for and the address it came from. */
export type ClientSocket = WebSocket & { [CLIENT]?: ServerClient; [ADDRESS]?: string };

/** Why a client loses its socket, or its place, to a limit. */
export type Overflow = 'slow-reader' | 'held-too-much';

/** What a client needs from the server it belongs to. */
export interface ClientHost {
  /** The limits in force. */
  readonly limits: ServerLimits;
  /** The client broke a limit that costs it its socket (a slow reader) or its place (held too much). */
  overflow(client: ServerClient, cause: Overflow): void;
  /** The resume token its `rtc:joined` carries, when resume is on. */
  joinToken(client: ServerClient): string | undefined;
  /** The ICE servers its `rtc:joined` carries, when the server hands any out. */
  iceServers(client: ServerClient): IceServerFields | null;
  /** One frame arrived on the client's socket. */
  receive(client: ServerClient, data: RawData, isBinary: boolean): void;
  /** The client's socket closed with `code`. */
  closed(client: ServerClient, socket: ClientSocket, code: number): void;
}

/** Who a socket proved to be at the upgrade: from the `authenticate` hook. */
export interface Grant {
  /** The trusted description. */
  readonly description: PeerDescription;
  /** The principal, when the hook named one. */
  readonly principal: string | undefined;
}

/** ws keeps the TCP socket here; there is no public way to cork it. */
type WithTcp = { readonly _socket?: { cork(): void; uncork(): void } };
const corked: Array<{ uncork(): void }> = [];
function uncorkAll(): void {
  for (const socket of corked.splice(0)) socket.uncork();
}

/**
 * Corks a socket's TCP stream until the current burst of work is done: every frame written to it
 * meanwhile leaves in one `writev`, not one system call each (which is most of a relay's cost).
 */
function corkForThisTick(socket: WebSocket): void {
  const tcp = (socket as unknown as WithTcp)._socket;
  if (!tcp) return;
  tcp.cork();
  if (corked.push(tcp) === 1) process.nextTick(uncorkAll);
}

function uncorked(client: ServerClient): void {
  client.corked = false;
}

/**
 * One connected client (a member once it joins). Its socket can go away for a grace period
 * (resume): meanwhile its {@link Outbox} keeps what is sent to it. Everything it costs is made
 * when first needed (an idle member is a socket and this object), since a server holds many.
 */
export class ServerClient implements Member {
  /** The pool it is in, if any. */
  pool: string | null = null;
  /** Its current socket; null while it is away. */
  socket: ClientSocket | null;
  /** It answered the last ping. */
  alive = true;
  /** Numbering and hold buffer; made when it acknowledges or goes away. */
  outbox: Outbox | null = null;
  /** The nonce its valid resume token carries; null before it joined. */
  nonce: string | null = null;
  /** It joined as an offerer (`rtc:join` `offerer`). */
  offerer = false;
  /** It asked for standing offers (`rtc:join` `standing`). */
  takesStanding = false;
  /** Its standing offer, on a single server (a cluster keeps it in Redis). */
  standing: StandingOffer | null = null;
  /** The timer of its grace period, while away. */
  grace: NodeJS.Timeout | null = null;
  /** Existing pools its joins created. */
  poolsCreated = 0;
  /** When it was last told that it is rate-limited, in whole ms of `performance.now()`; 0 for never. */
  lastRateNoticeAt = 0;
  /** A limit cost it its place: nothing more is sent to it. */
  doomed = false;
  /** Its socket is corked until the end of this tick. */
  corked = false;
  /** When its socket connected, in whole ms of `performance.now()` (the join deadline counts from here). */
  readonly connectedAt = Math.floor(performance.now());
  // the two rate buckets, kept as plain fields (a bucket object per socket costs more than its
  // numbers), and times in whole ms (a small integer costs nothing; a fractional one is boxed)
  #messageTokens: number;
  #byteTokens: number;
  #refilledAt: number;

  constructor(
    /** The server it belongs to. */
    readonly host: ClientHost,
    /** Its id. */
    public id: PeerId,
    socket: ClientSocket,
    /** Its trusted description. */
    public description: PeerDescription,
    /** Who it authenticated as. */
    public principal: string | undefined,
    /** The address its connection counts against. */
    readonly address: string,
  ) {
    this.socket = socket;
    socket[CLIENT] = this;
    this.#messageTokens = host.limits.messageBurst;
    this.#byteTokens = host.limits.byteBurst;
    this.#refilledAt = this.connectedAt;
  }

  /**
   * Sends (or, while away, keeps) one message.
   *
   * @param seq - its number for a member that acknowledges, when a cluster's Redis gave it one
   */
  send(message: ServerMessage, seq = 0): void {
    if (this.doomed) return;
    if (message.type === 'rtc:joined') {
      const token = this.host.joinToken(this);
      if (token !== undefined) message = { type: 'rtc:joined', data: { ...message.data, token } };
      const ice = this.host.iceServers(this);
      if (ice !== null) message = { type: 'rtc:joined', data: { ...message.data, ...ice } };
    }
    if (this.socket === null) {
      const outbox = (this.outbox ??= new Outbox(false));
      outbox.frame(message, true, seq);
      if (outbox.bytes > this.host.limits.maxHeldBytes) this.#overflow('held-too-much');
      return;
    }
    const outbox = this.outbox;
    const frame = outbox ? outbox.frame(message, false, seq) : encodeServerFrame(message);
    if (outbox && outbox.bytes > this.host.limits.maxHeldBytes) {
      this.#overflow('held-too-much');
      return;
    }
    this.write(frame);
  }

  /** Writes one frame to the socket; a reader that lets too much pile up loses the socket. */
  write(frame: string): void {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    if (!this.corked) {
      this.corked = true;
      corkForThisTick(socket);
      process.nextTick(uncorked, this);
    }
    socket.send(frame);
    if (socket.bufferedAmount > this.host.limits.maxQueuedBytes) this.#overflow('slow-reader');
  }

  /**
   * Takes one frame of `size` bytes from the client's message and byte rates (token buckets that
   * refill at the rate up to the burst); false, taking nothing, when over either.
   */
  takeFrame(size: number): boolean {
    const limits = this.host.limits;
    const now = Math.floor(performance.now());
    const seconds = (now - this.#refilledAt) / 1000;
    this.#refilledAt = now;
    this.#messageTokens = Math.min(limits.messageBurst, this.#messageTokens + seconds * limits.messagesPerSecond);
    this.#byteTokens = Math.min(limits.byteBurst, this.#byteTokens + seconds * limits.bytesPerSecond);
    if (this.#messageTokens < 1 || this.#byteTokens < size) return false;
    this.#messageTokens -= 1;
    this.#byteTokens -= size;
    return true;
  }

  #overflow(cause: Overflow): void {
    if (cause === 'held-too-much') this.doomed = true;
    // not now: this send may be one of a loop over the pool that giving up the client would change
    queueMicrotask(() => this.host.overflow(this, cause));
  }
}
