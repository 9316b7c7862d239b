import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServerStats } from '../../../src/server';
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_MAX_QUEUED_BYTES } from '../../../src/server/options';
import { WsTestClient } from '../../support/wsTestClient';
import type { Sample } from './fixtures/memoryServer';

const MB = 1024 * 1024;
/** "Low tens of MB": what one client may make a server with default limits hold, at most. */
const HELD_LIMIT_MB = 24;
/** How long the attack runs. */
const ATTACK_MS = 4_000;
const FLOODERS = 4;

/** Asks the server process one question and resolves with the answer's `key`. */
function ask<T>(child: ChildProcess, key: 'baseline' | 'peak' | 'stats'): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: Record<string, unknown>): void => {
      if (!(key in message)) return;
      child.off('message', onMessage);
      resolve(message[key] as T);
    };
    child.on('message', onMessage);
    child.send({ [key]: true });
  });
}

describe('SignallingServer memory under a slow reader and an away member', () => {
  let child: ChildProcess;
  const clients: WsTestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    if (child?.connected) child.disconnect();
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  });

  it(`holds less than ${HELD_LIMIT_MB} MB, measured in the server's process, while one client floods a slow reader and an away member with default limits`, async function () {
    this.timeout(40_000);
    child = fork(join(__dirname, 'fixtures', 'memoryServer.ts'), [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const url = await new Promise<string>((resolve) => child.once('message', (message: { url: string }) => resolve(message.url)));
    await ask<Sample>(child, 'baseline');

    // one attacker: a member that stops reading, one that goes away, and sockets that flood both
    const [slow] = await WsTestClient.joined(url, 'victim');
    const [away] = await WsTestClient.joined(url, 'victim');
    clients.push(slow, away);
    slow.socket.pause();
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    away.socket.terminate();
    const flooders = await Promise.all(Array.from({ length: FLOODERS }, () => WsTestClient.joined(url, 'victim').then(([client]) => client)));
    clients.push(...flooders);
    const big = { candidate: `candidate:${'x'.repeat(400_000)}` };
    let flooding = true;
    const floods = flooders.map(async (flooder, i) => {
      for (let n = 0; flooding; n += 1) {
        if (flooder.socket.bufferedAmount < 4 * MB) flooder.send('rtc:candidate', { for: (n + i) % 2 === 0 ? slow.id : away.id, candidate: big });
        // faster than the byte rate allows, yet slow enough to leave the server time to sample itself
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, ATTACK_MS));
    flooding = false;
    await Promise.all(floods);
    const { baseline, peak } = await ask<{ baseline: Sample; peak: Sample }>(child, 'peak');
    const stats = await ask<ServerStats>(child, 'stats');

    const heldMb = (peak.held - baseline.held) / MB;
    const signed = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${(bytes / MB).toFixed(1)}`;
    process.stdout.write(
      `      held at the peak: ${heldMb.toFixed(1)} MB of heap and buffers (heap ${signed(peak.heap - baseline.heap)}, buffers ${signed(peak.external - baseline.external)}; RSS ${signed(peak.rss - baseline.rss)} MB; ` +
        `${(peak.queuedBytes / MB).toFixed(1)} MB queued, ${(peak.heldBytes / MB).toFixed(1)} MB held for away members; ` +
        `limits ${DEFAULT_MAX_QUEUED_BYTES / MB} MB and ${DEFAULT_MAX_HELD_BYTES / MB} MB a member)\n`,
    );
    expect(stats.refusals['slow-reader'], 'the slow reader was cut').to.equal(1);
    expect(stats.refusals['held-too-much'], 'both were given up once away').to.be.at.least(1);
    expect(heldMb).to.be.lessThan(HELD_LIMIT_MB);
    // and it still serves: a newcomer relays to another
    const [a] = await WsTestClient.joined(url, 'after');
    const [b] = await WsTestClient.joined(url, 'after');
    clients.push(a, b);
    await a.next('rtc:peer');
    a.send('rtc:candidate', { for: b.id, candidate: null });
    expect(await b.next('rtc:candidate')).to.deep.equal({ from: a.id, candidate: null });
  });
});
