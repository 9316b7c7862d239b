// A 3.x-style chat: EventTarget events and promises, no RxJS in sight.
import { Pool, signalling, type ManagedConnection } from 'rtcpool';

export function startChat(url: string, room: string, onMessage: (from: string, text: string) => void) {
  const pool = new Pool({ iceServers: [] }, new signalling.websocket(new WebSocket(url)));
  const channels = new Map<string, RTCDataChannel>();

  // every peer, those already in the room and those who come later
  pool.events.onpeer = async (event) => {
    const connection: ManagedConnection = event.detail.connection;
    channels.set(connection.id, await connection.dataChannel('chat'));
  };
  // channels the peers open to us; `connection` is the peer's id
  pool.events.addEventListener('datachannel', (event) => {
    const { channel, connection } = event as RTCDataChannelEvent & { connection: string };
    channel.onmessage = ({ data }) => onMessage(connection, data);
  });
  pool.events.onclose = (event) => {
    if (event.detail) channels.delete(event.detail.id);
  };

  pool.join(room);
  return {
    pool,
    say: (text: string) => channels.forEach((channel) => channel.send(text)),
  };
}
