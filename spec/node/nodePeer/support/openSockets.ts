import { readdirSync, readlinkSync } from 'node:fs';

/** Open sockets of this process (Linux): each native ICE agent holds one, each WebSocket one. */
export function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}
