// The cross-engine specs' side of the remote peer (spec/support/remotePeer.ts): the connection
// to it, and commands on its control channel.
import type { ManagedConnection, Pool } from '../../../src';
import { otherEngine, remotePeers, serverControl, type RemotePeer } from './environment';
import { connectionsOf, describeChannelEnd, MESH_TIMEOUT_MS, nextMessage, PoolTracker } from './pools';

/** Who joins the pool first: the other engine's peer is then the newcomer (polite), or the older one. */
export type Order = 'the other engine joins first' | 'this engine joins first';

/** What the remote peer answers a `round` (spec/support/remotePeer.ts). */
export interface RoundReply {
  readonly round: number;
  readonly stable: boolean;
  readonly channels: string[];
  readonly track: boolean;
  readonly stream: string;
  readonly errors: string[];
  readonly state?: string;
}

/**
 * Resolves with null once `channel` is open, or with why it is not: how it closed (its error,
 * the signalling state then, and when), or that it was still connecting after `ms`. Never hangs,
 * so a round that fails says how.
 */
export function openedOrWhy(channel: RTCDataChannel, pc: RTCPeerConnection | undefined, ms: number): Promise<string | null> {
  if (channel.readyState === 'open') return Promise.resolve(null);
  const since = performance.now();
  const what = (): string => `${channel.label}#${channel.id} ${channel.readyState} after ${(performance.now() - since).toFixed(0)} ms, in ${pc?.signalingState}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`${what()}: never opened`), ms);
    channel.addEventListener('open', () => (clearTimeout(timer), resolve(null)), { once: true });
    for (const type of ['close', 'error'] as const) {
      channel.addEventListener(type, (event) => {
        clearTimeout(timer);
        resolve(`${what()}: ${describeChannelEnd(event)}`);
      }, { once: true });
    }
  });
}

/** Sends a command on the control channel and resolves with the remote peer's reply to it. */
export async function ask<T>(ctl: RTCDataChannel, command: object): Promise<T> {
  const reply = nextMessage(ctl);
  ctl.send(JSON.stringify(command));
  return JSON.parse(
    await Promise.race([reply, new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(command)}`)), MESH_TIMEOUT_MS * 3))]),
  ) as T;
}

/** The connection of `pool` to the other engine's remote peer, once it is there, and the control channel to it. */
export async function remoteControl(pool: Pool): Promise<{ connection: ManagedConnection; ctl: RTCDataChannel }> {
  const [connection] = await Promise.race([
    connectionsOf(pool, 1),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the ${otherEngine()} peer never joined`)), MESH_TIMEOUT_MS * 2)),
  ]);
  const ctl = await connection!.dataChannel('ctl', { timeout: MESH_TIMEOUT_MS * 2 });
  return { connection: connection!, ctl };
}

/**
 * What a cross-engine spec makes and undoes after each test: its pools, its tracks, and the other
 * engine's remote peer (stopped by pid).
 */
export class CrossEngineScene {
  readonly tracker = new PoolTracker();
  readonly tracks: MediaStreamTrack[] = [];
  private remote: RemotePeer | null = null;

  /**
   * Joins `pool` and a new remote peer of the other engine to the pool `name`, in `order`, and
   * resolves with the connection between them and its control channel. The remote peer is kept
   * the moment it runs, so `end()` stops it even when a later step fails.
   */
  async meet(order: Order, pool: Pool, name: string): Promise<{ connection: ManagedConnection; ctl: RTCDataChannel }> {
    if (order === 'the other engine joins first') {
      this.remote = await remotePeers.start(otherEngine(), name);
      const deadline = Date.now() + MESH_TIMEOUT_MS * 2;
      while (!(await serverControl.pools()).some((info) => info.id === name && info.members.length === 1)) {
        if (Date.now() > deadline) throw new Error(`the ${otherEngine()} peer never joined`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await pool.join(name);
    } else {
      await pool.join(name);
      this.remote = await remotePeers.start(otherEngine(), name);
    }
    return remoteControl(pool);
  }

  /** Closes the pools, stops the tracks, and stops the remote browser. */
  async end(): Promise<void> {
    this.tracker.closeAll();
    for (const track of this.tracks.splice(0)) track.stop();
    if (this.remote) await remotePeers.stop(this.remote);
    this.remote = null;
  }
}
