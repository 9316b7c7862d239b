import { expect } from 'chai';
import { WebSocket } from 'ws';
import { startCliNode, stopCliNode, type CliNode } from '../../support/cliNode';
import { clusterHarness } from './support/clusterHarness';

const SECRET = 'node-death-secret';
/** Relays each side sends, and how far apart: under the CLI's default rate limits (200/s). */
const RELAYS = 150;
const RELAY_INTERVAL_MS = 8;
/** The member's node dies once its peer has sent this many. */
const KILL_AFTER = 50;
/** Runs in the spec: each kills the node of a member mid-stream. */
const RUNS = 10;
/** How long the end of a run may take to arrive, on a busy machine. */
const ARRIVAL_TIMEOUT_MS = 15_000;
/** Acknowledges after this many numbered messages (our client: every 32, or after 250 ms). */
const ACK_EVERY = 8;

/** One numbered message as a member got it. */
interface Got {
  readonly seq: number;
  readonly type: string;
  readonly label: string | null;
}

/**
 * A member that asks for numbering (`ack: true`), acknowledges as it goes, and keeps every
 * numbered message it gets, in order, over every socket it has: no filtering of its own, so a
 * message sent twice shows.
 */
class NumberedMember {
  id = '';
  token = '';
  last = 0;
  readonly got: Got[] = [];
  socket!: WebSocket;
  private waiters: Array<() => void> = [];

  /** Opens a socket to `url` and sends `type` with `data` (`rtc:join` or `rtc:resume`); resolves with the answer. */
  async open(url: string, type: 'rtc:join' | 'rtc:resume', data: object): Promise<Record<string, unknown>> {
    const socket = new WebSocket(url);
    this.socket = socket;
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.on('message', (raw) => {
        const { type: got, data: body } = JSON.parse(String(raw)) as { type: string; data: Record<string, unknown> };
        if (got === 'rtc:joined' || got === 'rtc:resumed') {
          this.id = body.client_id as string;
          this.token = body.token as string;
          resolve(body);
        } else if (got === 'rtc:error') {
          reject(new Error(`rtc:error ${JSON.stringify(body)}`));
        } else if (typeof body.seq === 'number') {
          const candidate = body.candidate as { candidate?: string } | undefined;
          this.got.push({ seq: body.seq, type: got, label: candidate?.candidate ?? null });
          this.last = Math.max(this.last, body.seq);
          if (body.seq % ACK_EVERY === 0) this.send('rtc:ack', { seq: body.seq });
          for (const wake of this.waiters.splice(0)) wake();
        }
      });
    });
    socket.send(JSON.stringify({ type, data: { ...data, ack: true } }));
    return answer;
  }

  send(type: string, data: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type, data }));
  }

  /** The labels of the relays it got, in order. */
  labels(prefix: string): string[] {
    return this.got.filter((got) => got.label?.startsWith(prefix)).map((got) => got.label!);
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not in time (got ${this.got.length}, last ${this.last})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const label = (from: string, i: number): string => `candidate:${from} ${String(i).padStart(4, '0')}`;
const sent = (from: string, count: number): string[] => Array.from({ length: count }, (_, i) => label(from, i));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Cluster: a member whose node is SIGKILLed', () => {
  const cluster = clusterHarness();
  const sockets: WebSocket[] = [];
  const dying: CliNode[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await Promise.all(dying.splice(0).map((node) => stopCliNode(node.child, 'SIGKILL')));
  });

  it(`resumes on a survivor and gets every numbered relay exactly once, in order, with relays in flight both ways (${RUNS} runs)`, async function () {
    this.timeout(RUNS * 30_000);
    const redis = ['--secret', SECRET, '--redis', cluster.redis.url];
    const survivor = await startCliNode(redis);
    cluster.processes.push(survivor);
    for (let run = 0; run < RUNS; run += 1) {
      const doomed = await startCliNode(redis);
      dying.push(doomed);
      const pool = `death-${run}`;
      const member = new NumberedMember();
      await member.open(doomed.url, 'rtc:join', { pool });
      const peer = new NumberedMember();
      await peer.open(survivor.url, 'rtc:join', { pool });
      sockets.push(member.socket, peer.socket);
      await member.until(() => member.got.some((got) => got.type === 'rtc:peer'), 'the peer announced');

      // both stream relays to each other; the member's node dies a third of the way through
      let memberSent = 0;
      const fromPeer = (async () => {
        for (let i = 0; i < RELAYS; i += 1) {
          peer.send('rtc:candidate', { for: member.id, candidate: { candidate: label('peer', i), sdpMid: '0' } });
          if (i + 1 === KILL_AFTER) await stopCliNode(doomed.child, 'SIGKILL');
          await delay(RELAY_INTERVAL_MS);
        }
      })();
      const fromMember = (async () => {
        while (memberSent < RELAYS) {
          // what the member sends while it has no socket is what a real client queues for the next
          if (member.socket.readyState === WebSocket.OPEN) {
            member.send('rtc:candidate', { for: peer.id, candidate: { candidate: label('member', memberSent), sdpMid: '0' } });
            memberSent += 1;
          }
          await delay(RELAY_INTERVAL_MS);
        }
      })();
      await new Promise<void>((resolve) => member.socket.once('close', () => resolve()));
      // the member comes back on the survivor, saying what it saw last
      const resumed = await member.open(survivor.url, 'rtc:resume', { id: member.id, pool, token: member.token, last: member.last });
      sockets.push(member.socket);
      expect(resumed.client_id).to.equal(member.id);
      await Promise.all([fromPeer, fromMember]);
      await member.until(() => member.labels('candidate:peer').length >= RELAYS, 'every relay of the peer');
      await peer.until(() => peer.labels('candidate:member').includes(label('member', RELAYS - 1)), 'the member\'s last relay');
      await delay(200);

      const seqs = member.got.map((got) => got.seq);
      expect(member.labels('candidate:peer'), `run ${run}: every relay once, in order`).to.deep.equal(sent('peer', RELAYS));
      expect(seqs, `run ${run}: numbered 1, 2, 3, … with none twice`).to.deep.equal(seqs.map((_, i) => i + 1));
      // the other way: what reached the peer did so once and in order; what the member sent on
      // the survivor all arrived (what went to the dead node unrelayed is the client's to resend)
      const atPeer = peer.labels('candidate:member');
      expect(atPeer, `run ${run}: in order, none twice`).to.deep.equal([...new Set(atPeer)].sort());
      expect(atPeer.at(-1)).to.equal(label('member', RELAYS - 1));
      const peerSeqs = peer.got.map((got) => got.seq);
      expect(peerSeqs, `run ${run}: the peer's numbering`).to.deep.equal(peerSeqs.map((_, i) => i + 1));
      for (const socket of sockets.splice(0)) socket.terminate();
    }
  });
});
