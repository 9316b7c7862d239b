import { expect } from 'chai';
import { abortFrame, decodeFrame, moreFrame, readyFrame, startFrame, wholeFrame } from '../../../src/channel/framing';
import { Reassembler, type ReassemblyEvent } from '../../../src/channel/reassembler';

const frame = (bytes: Uint8Array) => decodeFrame(bytes.slice().buffer);
const more = (bytes: number[]) => frame(moreFrame(Uint8Array.from(bytes), new Uint8Array(64)));
const messages = (events: ReassemblyEvent[]) => events.filter((e) => e.type === 'message').map((e) => (e as { data: unknown }).data);

describe('Reassembler', () => {
  it('passes whole strings and whole binary messages through', () => {
    const r = new Reassembler(100);
    expect(r.accept(decodeFrame('hi'), false)).to.deep.equal([{ type: 'message', data: 'hi' }]);
    const [event] = r.accept(frame(wholeFrame(Uint8Array.of(1, 2, 3))), false);
    expect(event!.type).to.equal('message');
    expect([...new Uint8Array((event as { data: ArrayBuffer }).data)]).to.deep.equal([1, 2, 3]);
  });

  it('puts START and MOREs back together, as the kind that was sent, and reports progress', () => {
    const r = new Reassembler(100);
    const text = new TextEncoder().encode('héllo wörld');
    expect(r.accept(frame(startFrame('string', text.length, text.subarray(0, 4))), true)).to.deep.equal([
      { type: 'progress', bytes: 4, total: text.length },
    ]);
    expect(r.busy).to.equal(true);
    const last = r.accept(more([...text.subarray(4)]), true);
    expect(last).to.deep.equal([
      { type: 'progress', bytes: text.length, total: text.length },
      { type: 'message', data: 'héllo wörld' },
    ]);
    expect(r.busy).to.equal(false);
    r.accept(frame(startFrame('binary', 4, Uint8Array.of(9))), false);
    const [binary] = messages(r.accept(more([8, 7, 6]), false));
    expect(binary).to.be.instanceOf(ArrayBuffer);
    expect([...new Uint8Array(binary as ArrayBuffer)]).to.deep.equal([9, 8, 7, 6]);
  });

  it('an empty message is a START of length 0', () => {
    const r = new Reassembler(100);
    expect(messages(r.accept(frame(startFrame('string', 0, new Uint8Array(0))), false))).to.deep.equal(['']);
  });

  it('refuses a message over the limit at its START, drops its MOREs, and reads the next one', () => {
    const r = new Reassembler(4);
    expect(r.accept(frame(startFrame('binary', 6, Uint8Array.of(1, 2))), true)).to.deep.equal([{ type: 'too-large', total: 6 }]);
    expect(r.accept(more([3, 4]), true)).to.deep.equal([]);
    expect(r.accept(more([5, 6]), true)).to.deep.equal([]);
    expect(r.accept(decodeFrame('ok'), true)).to.deep.equal([{ type: 'message', data: 'ok' }]);
    expect(r.accept(decodeFrame('too long'), true)).to.deep.equal([{ type: 'too-large', total: 8 }]);
    expect(r.accept(frame(wholeFrame(new Uint8Array(5))), true)).to.deep.equal([{ type: 'too-large', total: 5 }]);
  });

  it('ABORT drops the message in progress; the next one arrives whole', () => {
    const r = new Reassembler(100);
    r.accept(frame(startFrame('binary', 10, Uint8Array.of(1))), false);
    expect(r.accept(frame(abortFrame()), false)).to.deep.equal([]);
    expect(r.accept(decodeFrame('next'), false)).to.deep.equal([{ type: 'message', data: 'next' }]);
  });

  it('reports frames that break the protocol and stays usable', () => {
    const r = new Reassembler(100);
    expect(r.accept(more([1]), false)).to.deep.equal([{ type: 'invalid', why: 'MORE without a START' }]);
    r.accept(frame(startFrame('binary', 2, Uint8Array.of(1))), false);
    expect(r.accept(more([2, 3]), false)).to.deep.equal([{ type: 'invalid', why: 'more bytes than the START announced' }]);
    r.accept(frame(startFrame('binary', 2, Uint8Array.of(1))), false);
    expect(r.accept(decodeFrame('x'), false)).to.deep.equal([
      { type: 'invalid', why: 'a whole message inside an unfinished message' },
      { type: 'message', data: 'x' },
    ]);
    expect(r.accept(frame(readyFrame()), false)).to.deep.equal([{ type: 'ready' }]);
    expect(r.accept(decodeFrame(Uint8Array.of(0x42).buffer), false)).to.deep.equal([{ type: 'invalid', why: 'unknown frame type 66' }]);
    expect(r.accept(decodeFrame('still fine'), false)).to.deep.equal([{ type: 'message', data: 'still fine' }]);
  });
});
