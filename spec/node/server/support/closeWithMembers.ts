// Child process of closeTimers.spec.ts: a server with three joined members is closed, then a
// line, then nothing: the process must end by itself at once, with no timer of the server left.
import { createSignallingServer } from '../../../../src/server';
import { WsTestClient } from '../../../support/wsTestClient';

async function main(): Promise<void> {
  const server = await createSignallingServer();
  const clients: WsTestClient[] = [];
  for (let i = 0; i < 3; i += 1) clients.push((await WsTestClient.joined(server.url, 'p'))[0]);
  const closed = Promise.all(clients.map((client) => new Promise((resolve) => client.socket.once('close', resolve))));
  await server.close();
  await closed;
  process.stdout.write('closed\n');
}

void main();
