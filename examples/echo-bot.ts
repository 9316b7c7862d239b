// A bot in Node.js: joins a pool and echoes every message it gets on any data channel.
import { Pool, signalling } from 'rtcpool';
import { RTCPeerConnection } from 'rtcpool/node';
import { WebSocket } from 'ws';

export async function echoBot(url: string, room: string): Promise<Pool> {
  const pool = new Pool({ iceServers: [] }, new signalling.websocket(url, { WebSocket }), { RTCPeerConnection });
  pool.dataChannels$.subscribe(({ event: { channel } }) => {
    channel.addEventListener('message', ({ data }) => channel.send(data));
  });
  await pool.join(room);
  return pool; // pool.close() when done: the process can then exit
}
