import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createSignallingServer } from 'rtcpool/server';

export async function serve(app: RequestListener, sessionUser: (request: IncomingMessage) => Promise<{ displayName: string } | null>) {
  const http = createServer(app); // your own routes stay yours
  const signalling = await createSignallingServer({
    server: http, // or { port: 8080, host: '127.0.0.1' }
    path: '/signal',
    origins: ['https://app.example'], // browser origins allowed to connect
    // runs before the WebSocket upgrade: false answers HTTP 401; a description is trusted
    authenticate: async (request) => {
      const user = await sessionUser(request);
      return user ? { description: { name: user.displayName } } : false;
    },
    privatePools: false, // true: only pools made by createPool() can be joined
    resume: { secret: process.env.RESUME_SECRET, graceMs: 5_000 }, // or false
    limits: { maxFrameBytes: 512 * 1024, maxMembersPerPool: 64, maxPools: 10_000, messagesPerSecond: 200, messageBurst: 400 },
  });
  http.listen(8080, '127.0.0.1');

  signalling.on('join', ({ pool, member }) => {
    console.log(member.id, 'joined', pool);
    signalling.describe(member.id, { name: 'Ada' }); // rtc:describe to the rest of the pool
  });
  signalling.on('leave', ({ pool, member }) => console.log(member.id, 'left', pool));
  signalling.createPool('standup'); // a pool that stays while empty
  signalling.stop('standup'); // rtc:stop to every member; the pool is gone
  signalling.pools(); // [{ id, created, members: [{ id, description }] }]
  return signalling; // await signalling.close() to stop
}
