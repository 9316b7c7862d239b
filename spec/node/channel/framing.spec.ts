import { expect } from 'chai';
import { abortFrame, decodeFrame, FrameType, moreFrame, readyFrame, startFrame, wholeFrame } from '../../../src/channel/framing';

const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

describe('framing (rtcpool-chunks/1)', () => {
  it('a string frame is a whole string message, as is', () => {
    expect(decodeFrame('héllo')).to.deep.equal({ type: 'text', text: 'héllo' });
  });

  it('WHOLE is 0x00 and the payload', () => {
    const frame = wholeFrame(Uint8Array.of(7, 8, 9));
    expect([...frame]).to.deep.equal([FrameType.whole, 7, 8, 9]);
    const decoded = decodeFrame(buffer(frame));
    expect(decoded.type).to.equal('whole');
    expect([...(decoded as { payload: Uint8Array }).payload]).to.deep.equal([7, 8, 9]);
  });

  it('START is 0x01, the kind, the 64-bit big-endian length and the first bytes', () => {
    const total = 2 ** 32 + 5;
    const frame = startFrame('string', total, Uint8Array.of(1, 2));
    expect([...frame]).to.deep.equal([0x01, 1, 0, 0, 0, 1, 0, 0, 0, 5, 1, 2]);
    const decoded = decodeFrame(buffer(frame)) as { type: string; kind: string; total: number; payload: Uint8Array };
    expect(decoded.type).to.equal('start');
    expect(decoded.kind).to.equal('string');
    expect(decoded.total).to.equal(total);
    expect([...decoded.payload]).to.deep.equal([1, 2]);
    expect((decodeFrame(buffer(startFrame('binary', 3, new Uint8Array(0)))) as { kind: string }).kind).to.equal('binary');
  });

  it('MORE is 0x02 and the payload, written into the sender\'s scratch buffer', () => {
    const scratch = new Uint8Array(16);
    const frame = moreFrame(Uint8Array.of(4, 5), scratch);
    expect(frame.buffer).to.equal(scratch.buffer);
    expect([...frame]).to.deep.equal([0x02, 4, 5]);
    expect([...(decodeFrame(buffer(frame)) as { payload: Uint8Array }).payload]).to.deep.equal([4, 5]);
  });

  it('ABORT and READY are one byte each', () => {
    expect([...abortFrame()]).to.deep.equal([0x03]);
    expect([...readyFrame()]).to.deep.equal([0x04]);
    expect(decodeFrame(buffer(abortFrame()))).to.deep.equal({ type: 'abort' });
    expect(decodeFrame(buffer(readyFrame()))).to.deep.equal({ type: 'ready' });
  });

  it('anything else is invalid, with a reason', () => {
    const cases: Array<[number[], string]> = [
      [[], 'empty frame'],
      [[0x09, 1], 'unknown frame type 9'],
      [[0x01, 0, 0], 'short START header'],
      [[0x01, 2, 0, 0, 0, 0, 0, 0, 0, 1], 'unknown kind 2'],
      [[0x01, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 'length out of range'],
      [[0x03, 1], 'ABORT with a payload'],
      [[0x04, 1], 'READY with a payload'],
    ];
    for (const [bytes, why] of cases) expect(decodeFrame(buffer(Uint8Array.from(bytes)))).to.deep.equal({ type: 'invalid', why });
  });
});
