// A Node.js peer in a process of its own, for specs that cannot spawn one themselves (the browser
// tier: spec/support/karmaNodePeerFramework.cjs starts it) and for the Node tier. Run with
// `node --import tsx spec/support/nodePeerProcess.ts --url WS_URL --pool NAME`.
//
// It joins NAME through the signalling server at WS_URL with rtcpool/node and ws, then:
//   - echoes every message on every channel a peer opens to it, as `node echo <message>`;
//   - opens a channel labelled 'from-node' to every peer it meets and, once open, sends
//     `hello from node <its id>` on it.
// With `--channel LABEL`, it also makes the pool channel LABEL and answers each message on it to
// its sender alone, as `node echo <message>` (binary: `node echo <n> bytes`).
// It prints one JSON line per event on stdout: { joined: id }, then { error: '…' } for anything
// that goes wrong. On SIGTERM or SIGINT it closes the pool and nothing else: the process must
// then end by itself (no handle left), which whoever stopped it checks.
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { Pool, RtcPoolError, signalling } from '../../src';
import { RTCPeerConnection } from '../../src/node';

/** The label of the channel it opens to every peer. */
export const FROM_NODE_LABEL = 'from-node';

const { values } = parseArgs({ options: { url: { type: 'string' }, pool: { type: 'string' }, channel: { type: 'string' } } });
if (!values.url || !values.pool) {
  process.stderr.write('usage: nodePeerProcess.ts --url WS_URL --pool NAME\n');
  process.exit(2);
}

const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const pool = new Pool({ iceServers: [] }, new signalling.websocket(values.url, { WebSocket }), { RTCPeerConnection });
pool.errors$.subscribe((error) => say({ error: `${error.code}: ${error.message}` }));
pool.dataChannels$.subscribe(({ event: { channel } }) => {
  channel.addEventListener('message', ({ data }) => {
    if (channel.readyState === 'open') channel.send(`node echo ${String(data)}`);
  });
});
pool.peerJoined$.subscribe((connection) => {
  connection.dataChannel(FROM_NODE_LABEL).then(
    (channel) => channel.send(`hello from node ${pool.id}`),
    (error: unknown) => {
      // a connection whose set-up died is rebuilt (libdatachannel drops about one in 30): what was
      // asked of it closes with it, and its replacement arrives on peerJoined$ and gets its own
      if (error instanceof RtcPoolError && error.code === 'closed' && pool.getConnection(connection.id) !== connection) {
        return say({ replaced: connection.id });
      }
      say({ error: `${FROM_NODE_LABEL} to ${connection.id}: ${String(error)}` });
    },
  );
});

if (values.channel) {
  const room = pool.channel(values.channel);
  room.errors$.subscribe((error) => say({ error: `pool channel: ${error.code}: ${error.message}` }));
  room.messages$.subscribe(({ from, data }) => {
    const echo = `node echo ${typeof data === 'string' ? data : `${data.byteLength} bytes`}`;
    // the sender may have left meanwhile: nothing to answer then
    room.send(echo, { to: [from] }).catch((error: unknown) => say({ error: `echo to ${from}: ${String(error)}` }));
  });
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  pool.close();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

pool.join(values.pool).then(
  () => say({ joined: pool.id }),
  (error: unknown) => {
    say({ error: `join: ${String(error)}` });
    stop();
  },
);
