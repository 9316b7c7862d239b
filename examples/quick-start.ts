import { Pool, signalling } from 'rtcpool';

const pool = new Pool({ iceServers: [] }, new signalling.websocket('ws://127.0.0.1:8080/signal'));
await pool.join('room'); // resolves with { id, pool, peers }
pool.connections$.subscribe((connections) => console.log(connections.map((c) => c.id)));
