// A chat (or a game state, or a CRDT's updates) across the whole room: one pool channel.
import type { Pool, PoolChannel } from 'rtcpool';

export interface RoomChat {
  readonly channel: PoolChannel;
  /** To everyone on the channel, or to the peers named. */
  say(text: string, to?: readonly string[]): Promise<void>;
}

export function roomChat(pool: Pool, show: (from: string, text: string) => void, online: (count: number) => void): RoomChat {
  const channel = pool.channel('chat'); // before or after join(); late joiners are on it too
  channel.messages$.subscribe(({ from, data }) => show(from, typeof data === 'string' ? data : '(binary)'));
  channel.peers$.subscribe((ids) => online(ids.length));
  // a peer that fell too far behind was dropped (it joins afresh and misses what was sent meanwhile)
  channel.errors$.subscribe((error) => console.warn(`${error.code} ${error.peer ?? ''}: ${error.message}`));
  return { channel, say: (text, to) => channel.send(text, to ? { to } : {}) };
}
