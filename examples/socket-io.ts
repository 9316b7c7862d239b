// Signalling over socket.io, for a server that already speaks ssp v2 on socket.io (each event's
// name is the message type, its one argument the data), as 3.x deployments did.
import { Pool, signalling, type PoolOptions } from 'rtcpool';
import { io } from 'socket.io-client';

// options: in Node, { RTCPeerConnection } from 'rtcpool/node'
export async function joinOverSocketIo(url: string, room: string, options: PoolOptions = {}): Promise<Pool> {
  const socket = io(url); // socket.io reconnects by itself; meanwhile the transport is 'connecting'
  const pool = new Pool({ iceServers: [] }, new signalling.socket.io(socket), options);
  await pool.join(room); // rtc:join, emitted on the socket
  return pool; // pool.close() also closes the socket
}
