/**
 * Who rebuilds each peer connection, when the negotiation epic finds that the peer rebuilt its
 * own (see {@link NegotiationPort.rebuild}). Kept beside the connection rather than passed
 * through the pool, so a port made from a connection alone can reach the set that owns it.
 */
const hooks = new WeakMap<RTCPeerConnection, () => boolean>();

/** @internal sets (or, with null, clears) the rebuild callback of a connection */
export function setRebuildHook(pc: RTCPeerConnection, hook: (() => boolean) | null): void {
  if (hook) hooks.set(pc, hook);
  else hooks.delete(pc);
}

/** @internal asks the owner of `pc` for a new connection; false when it has none to give */
export function requestRebuild(pc: RTCPeerConnection): boolean {
  return hooks.get(pc)?.() ?? false;
}
