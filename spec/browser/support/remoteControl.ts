// The cross-engine specs' side of the remote peer (spec/support/remotePeer.ts): the connection
// to it, and commands on its control channel.
import type { ManagedConnection, Pool } from '../../../src';
import { otherEngine } from './environment';
import { connectionsOf, MESH_TIMEOUT_MS, nextMessage } from './pools';

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
