import { expect } from 'chai';
import { decodeFrame, encodeFrame, MAX_FRAME_DEPTH, nestsDeeperThan, parseClientFrame, parseClientMessage, parseServerMessage } from '../../../src/signalling/parse';

describe('parseServerMessage', () => {
  it('fills id from the 3.0.0 spelling uid in rtc:close and rtc:describe', () => {
    expect(parseServerMessage('rtc:close', { uid: 'a' })).to.deep.equal({
      kind: 'message',
      message: { type: 'rtc:close', data: { id: 'a', uid: 'a' } },
    });
    const describe = parseServerMessage('rtc:describe', { uid: 'b', description: { n: 1 } });
    expect(describe).to.deep.include({ kind: 'message' });
    expect(describe.kind === 'message' && describe.message.data).to.deep.equal({ id: 'b', uid: 'b', description: { n: 1 } });
  });

  it('refuses rtc:close with neither id nor uid', () => {
    expect(parseServerMessage('rtc:close', {})).to.deep.include({ kind: 'invalid', reason: 'bad-field' });
  });

  it('reads rtc:joined without descriptions as no descriptions', () => {
    const parsed = parseServerMessage('rtc:joined', { client_id: 'me', peers: ['a'] });
    expect(parsed.kind === 'message' && parsed.message.data).to.deep.equal({ client_id: 'me', peers: ['a'], descriptions: {} });
  });

  it('refuses rtc:joined whose peers are not ids', () => {
    expect(parseServerMessage('rtc:joined', { client_id: 'me', peers: [1] })).to.deep.include({ reason: 'bad-field' });
  });

  it('passes by events that are not signalling', () => {
    expect(parseServerMessage('chat', { text: 'hi' })).to.deep.equal({ kind: 'foreign', type: 'chat', data: { text: 'hi' } });
  });

  it('drops fields the protocol does not define', () => {
    const parsed = parseServerMessage('rtc:peer', { id: 'a', extra: true });
    expect(parsed.kind === 'message' && parsed.message.data).to.deep.equal({ id: 'a' });
  });
});

describe('parseClientMessage', () => {
  it('does not pick the from field a 3.x client adds to rtc:candidate', () => {
    const parsed = parseClientMessage('rtc:candidate', { for: 'b', from: 'spoof', candidate: null });
    expect(parsed.kind === 'message' && parsed.message.data).to.deep.equal({ for: 'b', candidate: null });
  });

  it('refuses an id longer than MAX_ID_LENGTH', () => {
    expect(parseClientMessage('rtc:sdp', { to: 'x'.repeat(129), description: { type: 'rollback' } })).to.deep.include({
      reason: 'bad-field',
    });
  });
});

describe('decodeFrame', () => {
  it('round-trips encodeFrame', () => {
    expect(decodeFrame(encodeFrame('rtc:peer', { id: 'a' }))).to.deep.equal({ kind: 'event', type: 'rtc:peer', data: { id: 'a' } });
  });

  it('refuses a frame over maxLength without parsing it', () => {
    expect(decodeFrame('{}'.padEnd(100), 10)).to.deep.include({ kind: 'invalid', reason: 'frame-too-large' });
  });

  it('refuses a non-string frame', () => {
    expect(decodeFrame(new ArrayBuffer(2))).to.deep.include({ kind: 'invalid', reason: 'bad-frame' });
  });
});

describe('parseClientFrame', () => {
  it('decodes and validates in one step', () => {
    expect(parseClientFrame(encodeFrame('rtc:join', { pool: 'p' }))).to.deep.equal({
      kind: 'message',
      message: { type: 'rtc:join', data: { pool: 'p' } },
    });
    expect(parseClientFrame('{oops')).to.deep.include({ kind: 'invalid', reason: 'bad-json' });
    expect(parseClientFrame(encodeFrame('rtc:join', {}))).to.deep.include({ kind: 'invalid', reason: 'bad-field' });
    expect(parseClientFrame(encodeFrame('chat', {}))).to.deep.include({ kind: 'foreign', type: 'chat' });
    expect(parseClientFrame('"x"'.padEnd(50), 10)).to.deep.include({ kind: 'invalid', reason: 'frame-too-large' });
  });
});

describe('parseClientMessage rebuilding what is relayed', () => {
  it('keeps only type and sdp of a description, whatever else the sender put in it', () => {
    const parsed = parseClientMessage('rtc:sdp', { to: 'b', description: { type: 'offer', sdp: 'v=0', extra: { deep: [[[]]] }, toJSON: 1 } });
    expect(parsed.kind === 'message' && parsed.message.data).to.deep.equal({ to: 'b', description: { type: 'offer', sdp: 'v=0' } });
  });

  it('keeps only the candidate fields of a candidate, with their types checked', () => {
    const candidate = { candidate: 'c', sdpMid: null, sdpMLineIndex: 0, usernameFragment: 'u', extra: {} };
    const parsed = parseClientMessage('rtc:candidate', { for: 'b', candidate });
    expect(parsed.kind === 'message' && parsed.message.data).to.deep.equal({ for: 'b', candidate: { candidate: 'c', sdpMid: null, sdpMLineIndex: 0, usernameFragment: 'u' } });
    expect(parseClientMessage('rtc:candidate', { for: 'b', candidate: { candidate: 'c', usernameFragment: 1 } })).to.deep.include({ reason: 'bad-field' });
  });

  it('reads the extension fields ack, last and rtc:ack', () => {
    expect(parseClientMessage('rtc:join', { pool: 'p', ack: true })).to.deep.include({ kind: 'message' });
    expect(parseClientMessage('rtc:resume', { id: 'a', pool: 'p', token: 't', ack: true, last: 4 })).to.deep.include({ kind: 'message' });
    expect(parseClientMessage('rtc:resume', { id: 'a', pool: 'p', token: 't', last: -1 })).to.deep.include({ reason: 'bad-field' });
    expect(parseClientMessage('rtc:ack', { seq: 9 })).to.deep.equal({ kind: 'message', message: { type: 'rtc:ack', data: { seq: 9 } } });
    expect(parseClientMessage('rtc:ack', { seq: 1.5 })).to.deep.include({ reason: 'bad-field' });
  });

  it('reads the offerer extension: offerer in rtc:join and rtc:resume, offerers in rtc:joined', () => {
    const join = parseClientMessage('rtc:join', { pool: 'p', offerer: true });
    expect(join.kind === 'message' && join.message.data).to.deep.equal({ pool: 'p', offerer: true });
    expect(parseClientMessage('rtc:join', { pool: 'p', offerer: 1 })).to.deep.include({ reason: 'bad-field' });
    expect(parseClientMessage('rtc:resume', { id: 'a', pool: 'p', token: 't', offerer: 'yes' })).to.deep.include({ reason: 'bad-field' });
    const joined = parseServerMessage('rtc:joined', { client_id: 'me', peers: ['a', 'b'], offerers: ['a'] });
    expect(joined.kind === 'message' && joined.message.data).to.deep.include({ offerers: ['a'] });
    expect(parseServerMessage('rtc:joined', { client_id: 'me', peers: ['a'], offerers: 'a' })).to.deep.include({ reason: 'bad-field' });
    expect(parseServerMessage('rtc:joined', { client_id: 'me', peers: ['a'], offerers: [7] })).to.deep.include({ reason: 'bad-field' });
  });

  it('reads standingOffers as own fields, offers only: an id of __proto__ reaches no prototype', () => {
    const offer = { type: 'offer', sdp: 'v=0\r\n' };
    const joined = parseServerMessage('rtc:joined', JSON.parse(`{"client_id":"me","peers":["__proto__"],"standingOffers":{"__proto__":${JSON.stringify(offer)}}}`));
    const offers = joined.kind === 'message' && joined.message.type === 'rtc:joined' ? joined.message.data.standingOffers : undefined;
    expect(Object.getPrototypeOf(offers)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(offers, '__proto__')?.value).to.deep.equal(offer);
    expect(parseServerMessage('rtc:joined', { client_id: 'me', peers: ['a'], standingOffers: { a: { type: 'answer', sdp: 'v=0' } } })).to.deep.include({ reason: 'bad-field' });
  });
});

describe('nestsDeeperThan', () => {
  it('counts brackets outside strings only, escapes included', () => {
    expect(nestsDeeperThan(`${'['.repeat(MAX_FRAME_DEPTH)}${']'.repeat(MAX_FRAME_DEPTH)}`, MAX_FRAME_DEPTH)).to.equal(false);
    expect(nestsDeeperThan(`${'['.repeat(MAX_FRAME_DEPTH + 1)}${']'.repeat(MAX_FRAME_DEPTH + 1)}`, MAX_FRAME_DEPTH)).to.equal(true);
    expect(nestsDeeperThan(JSON.stringify({ a: `\\"${'['.repeat(100)}` }), MAX_FRAME_DEPTH)).to.equal(false);
    expect(nestsDeeperThan(`{"a":"\\\\"}${'['.repeat(100)}`, MAX_FRAME_DEPTH)).to.equal(true);
  });

  it('makes decodeFrame refuse a deep frame with frame-too-deep', () => {
    expect(decodeFrame(`{"type":"x","data":${'['.repeat(50_000)}${']'.repeat(50_000)}}`)).to.deep.include({ kind: 'invalid', reason: 'frame-too-deep' });
  });
});
