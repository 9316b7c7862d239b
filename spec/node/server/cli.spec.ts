import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { startCliNode, stopCliNode } from '../../support/cliNode';
import { WsTestClient } from '../../support/wsTestClient';

describe('rtcpool-server (CLI)', () => {
  const running: ChildProcess[] = [];
  const clients: WsTestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await Promise.all(running.splice(0).map((child) => stopCliNode(child)));
  });

  for (const [how, args, env] of [
    ['--secret', ['--secret', 'cli-secret'], {}],
    ['RTCPOOL_SECRET', [], { RTCPOOL_SECRET: 'cli-secret' }],
  ] as const) {
    it(`takes the resume secret from ${how}, so members resume across a restart`, async function () {
      this.timeout(20_000);
      const first = await startCliNode(args, env);
      running.push(first.child);
      const [a, joined] = await WsTestClient.joined(first.url, 'p');
      clients.push(a);
      await stopCliNode(first.child);
      // the same port again: the later --port wins
      const second = await startCliNode(['--port', new URL(first.url).port, ...args], env);
      running.push(second.child);
      const again = await WsTestClient.connect(second.url);
      clients.push(again);
      again.send('rtc:resume', { id: a.id, pool: 'p', token: joined.token });
      expect((await again.next('rtc:resumed')).client_id).to.equal(a.id);
    });
  }
});
