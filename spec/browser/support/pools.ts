import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { Pool, signalling, type ManagedConnection, type PoolOptions, type RtcPoolError } from '../../../src';
import { LOCAL_ONLY, signallingUrl } from './environment';

/** How long a spec waits for a mesh or a channel before it fails. */
export const MESH_TIMEOUT_MS = 15_000;

/**
 * Every RTCPeerConnection made while the specs run, so a spec can prove that none stays open.
 * The global constructor is replaced once by a subclass that records its instances, weakly:
 * Chromium counts a closed connection against its limit until it is collected.
 */
const created: Array<WeakRef<RTCPeerConnection>> = [];
const NativePeerConnection = globalThis.RTCPeerConnection;
if (!(NativePeerConnection as { recorded?: boolean }).recorded) {
  class RecordedPeerConnection extends NativePeerConnection {
    static recorded = true;
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      created.push(new WeakRef(this));
    }
  }
  globalThis.RTCPeerConnection = RecordedPeerConnection;
}

/** A mark to pass to {@link peerConnectionsSince}. */
export const peerConnectionMark = (): number => created.length;

/** The RTCPeerConnections made since `mark` that are still reachable. */
export const peerConnectionsSince = (mark: number): RTCPeerConnection[] =>
  created.slice(mark).flatMap((ref) => ref.deref() ?? []);

/** The negotiation state of the open peer connections made since `mark`, for a failure message. */
export function describePeers(mark: number): string {
  return peerConnectionsSince(mark)
    .filter((pc) => pc.signalingState !== 'closed')
    .map((pc) => `${pc.signalingState}/${pc.connectionState} [${pc.getTransceivers().map((t) => `${t.mid}:${t.direction}/${t.currentDirection}`).join(' ')}]`)
    .join(' | ');
}

/** A channel's `close` or `error` event, for a failure message: its type, and the RTCError's detail when it has one. */
export function describeChannelEnd(event: Event): string {
  const error = (event as RTCErrorEvent).error;
  return `${event.type}${error ? ` (${error.errorDetail} ${error.sctpCauseCode ?? ''} ${error.message})` : ''}`;
}

/** How many RTCPeerConnections made by the specs are not closed. */
export const openPeerConnections = (): number =>
  created.filter((ref) => { const pc = ref.deref(); return pc !== undefined && pc.signalingState !== 'closed'; }).length;

/** Pools made by a spec, and the errors they reported; `closeAll` in afterEach. */
export class PoolTracker {
  readonly pools: Pool[] = [];
  readonly errors: RtcPoolError[] = [];

  /** A pool on a WebSocket channel to the test server (or to another server of the test set-up's). */
  create(url = signallingUrl(), options: PoolOptions = {}): Pool {
    const pool = new Pool(LOCAL_ONLY, new signalling.websocket(url), options);
    pool.errors$.subscribe((error) => this.errors.push(error));
    this.pools.push(pool);
    return pool;
  }

  /** `count` pools that join `name` one after another, and are fully meshed. */
  async mesh(name: string, count: number): Promise<Pool[]> {
    const pools: Pool[] = [];
    for (let i = 0; i < count; i += 1) {
      const pool = this.create();
      await pool.join(name);
      pools.push(pool);
    }
    await Promise.all(pools.map((pool) => connectionsOf(pool, count - 1)));
    return pools;
  }

  closeAll(): void {
    for (const pool of this.pools.splice(0)) pool.close();
    this.errors.splice(0);
  }
}

/** Resolves once `pool` has exactly `count` connections. */
export function connectionsOf(pool: Pool, count: number): Promise<ManagedConnection[]> {
  return firstValueFrom(
    pool.connections$.pipe(
      filter((connections) => connections.length === count),
      take(1),
      timeout(MESH_TIMEOUT_MS),
    ),
  );
}

/** The connection of `from` to `to`. */
export function link(from: Pool, to: Pool): ManagedConnection {
  const connection = from.getConnection(to.id!);
  if (!connection) throw new Error(`${from.id} has no connection to ${to.id}`);
  return connection;
}

/** Resolves with the next message on `channel`. */
export function nextMessage(channel: RTCDataChannel): Promise<string> {
  return new Promise((resolve) => channel.addEventListener('message', ({ data }) => resolve(data as string), { once: true }));
}

/** Resolves with the channel labelled `label` that the peer of `connection` opens. */
export function incomingChannel(connection: ManagedConnection, label: string): Promise<RTCDataChannel> {
  return new Promise((resolve) => {
    const listener = ({ channel }: RTCDataChannelEvent): void => {
      if (channel.label !== label) return;
      connection.removeEventListener('datachannel', listener as EventListener);
      if (channel.readyState === 'open') resolve(channel);
      else channel.addEventListener('open', () => resolve(channel), { once: true });
    };
    connection.addEventListener('datachannel', listener as EventListener);
  });
}

/** Opens a channel from `a` to `b`, sends one message across and resolves with what arrived. */
export async function exchange(a: Pool, b: Pool, label: string): Promise<string> {
  const incoming = incomingChannel(link(b, a), label);
  const channel = await link(a, b).dataChannel(label);
  const received = incoming.then(nextMessage);
  channel.send(`${label} from ${a.id}`);
  return received;
}

/** A live video track drawn on a canvas, for media without a camera. */
export function canvasTrack(): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext('2d')!;
  context.fillRect(0, 0, 64, 48);
  return canvas.captureStream(10).getVideoTracks()[0]!;
}

/** Waits a few event-loop turns for asynchronous work to settle. */
export const settle = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
