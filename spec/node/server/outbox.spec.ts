import { expect } from 'chai';
import { Outbox } from '../../../src/server/outbox';
import type { ServerMessage } from '../../../src/signalling/messages';

const relay = (n: number): ServerMessage => ({ type: 'rtc:candidate', data: { from: 'b', candidate: { candidate: `candidate:${n}` } } });
const seqOf = (frame: string): number | undefined => (JSON.parse(frame) as { data: { seq?: number } }).data.seq;

describe('Outbox', () => {
  it('numbers relays for a member that acknowledges, keeps them until rtc:ack, and counts their bytes', () => {
    const outbox = new Outbox(true);
    const frames = [1, 2, 3].map((n) => outbox.frame(relay(n), false));
    expect(frames.map(seqOf)).to.deep.equal([1, 2, 3]);
    expect(outbox.bytes).to.equal(frames.reduce((sum, frame) => sum + Buffer.byteLength(frame), 0));
    outbox.acknowledge(2);
    expect(outbox.size).to.equal(1);
    outbox.acknowledge(3);
    expect(outbox.bytes).to.equal(0);
  });

  it('never numbers or keeps the replies about the socket itself', () => {
    const outbox = new Outbox(true);
    const frame = outbox.frame({ type: 'rtc:error', data: { reason: 'x', message: 'y' } }, false);
    expect(seqOf(frame)).to.equal(undefined);
    expect(outbox.size).to.equal(0);
  });

  it('never numbers an rtc:ice-servers answer either: it answers the member\'s own request', () => {
    const outbox = new Outbox(true);
    const frame = outbox.frame({ type: 'rtc:ice-servers', data: { iceServers: [] } }, false);
    expect(seqOf(frame)).to.equal(undefined);
    expect(outbox.size).to.equal(0);
  });

  it('takes the numbers it is given (a cluster\'s Redis gives them), and numbers on after the highest', () => {
    const outbox = new Outbox(true);
    expect([outbox.frame(relay(1), false, 7), outbox.frame(relay(2), false, 8)].map(seqOf)).to.deep.equal([7, 8]);
    expect(outbox.lastSeq).to.equal(8);
    expect(seqOf(outbox.frame(relay(3), false))).to.equal(9);
    expect(outbox.replay(7).map(seqOf)).to.deep.equal([8, 9]);
  });

  it('replays the numbered frames after `last`, and keeps them until acknowledged', () => {
    const outbox = new Outbox(true, 10);
    for (const n of [1, 2, 3]) outbox.frame(relay(n), true);
    expect(outbox.replay(11).map(seqOf)).to.deep.equal([12, 13]);
    expect(outbox.size).to.equal(2);
  });

  it('for a member that does not acknowledge, keeps frames only while it is away, and replays them once', () => {
    const outbox = new Outbox(false);
    outbox.frame(relay(1), false);
    expect(outbox.size).to.equal(0);
    outbox.frame(relay(2), true);
    outbox.frame({ type: 'rtc:close', data: { id: 'b', uid: 'b' } }, true);
    const replayed = outbox.replay(0);
    expect(replayed.map((frame) => JSON.parse(frame).type)).to.deep.equal(['rtc:candidate', 'rtc:close']);
    expect(replayed.map(seqOf)).to.deep.equal([undefined, undefined]);
    expect(outbox.replay(0)).to.deep.equal([]);
    expect(outbox.bytes).to.equal(0);
  });

  it('encodes an empty data with its seq as valid JSON', () => {
    expect(JSON.parse(new Outbox(true).frame({ type: 'rtc:stop', data: {} }, false))).to.deep.equal({ type: 'rtc:stop', data: { seq: 1 } });
  });
});
