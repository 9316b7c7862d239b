import { expect } from 'chai';
import { Signalling } from '../../../src/signalling/signalling';
import { Transceiver } from '../../../src/signalling/transceiver';

/** A text-frame transceiver the spec feeds by hand, as a WebSocket would. */
class FrameTransceiver extends Transceiver {
  send(): void {}
  close(): void {
    this.closed();
  }
  frame(type: string, data: object): void {
    this.receiveFrame(JSON.stringify({ type, data }));
  }
}

/** Counts the CustomEvents dispatched on a target, listened to or not. */
function countDispatches(target: EventTarget): { readonly types: string[] } {
  const seen = { types: [] as string[] };
  const dispatch = target.dispatchEvent.bind(target);
  target.dispatchEvent = (event: Event): boolean => {
    seen.types.push(event.type);
    return dispatch(event);
  };
  return seen;
}

const PEER = { id: 'b', description: null };

describe('Signalling 3.x events', () => {
  let transceiver: FrameTransceiver;
  let channel: Signalling;
  beforeEach(() => {
    transceiver = new FrameTransceiver();
    channel = new Signalling(transceiver);
  });
  afterEach(() => channel.close());

  it('re-dispatches a message as its 3.x event to a listener, with the message data', () => {
    const details: unknown[] = [];
    channel.addEventListener('peer', (event) => details.push((event as CustomEvent).detail));
    transceiver.frame('rtc:peer', PEER);
    expect(details).to.deep.equal([PEER]);
  });

  it('builds no event for a type nobody listens to, and still delivers the message on messages$', () => {
    const messages: string[] = [];
    channel.messages$.subscribe((message) => messages.push(message.type));
    const dispatched = countDispatches(channel);
    transceiver.frame('rtc:peer', PEER);
    expect(messages).to.deep.equal(['rtc:peer']);
    expect(dispatched.types).to.deep.equal([]);
  });

  it('dispatches from then on once a listener is added, even after it is removed again', () => {
    const dispatched = countDispatches(channel);
    transceiver.frame('rtc:peer', PEER);
    const listener = (): void => {};
    channel.addEventListener('peer', listener);
    channel.removeEventListener('peer', listener);
    transceiver.frame('rtc:peer', PEER);
    expect(dispatched.types).to.deep.equal(['peer']);
  });
});

describe('Transceiver events', () => {
  it('dispatches a decoded frame to its listeners and on events$ alike', () => {
    const transceiver = new FrameTransceiver();
    const viaListener: unknown[] = [];
    const viaStream: unknown[] = [];
    transceiver.addEventListener('rtc:peer', (event) => viaListener.push((event as CustomEvent).detail));
    transceiver.events$.subscribe((event) => viaStream.push(event.data));
    transceiver.frame('rtc:peer', PEER);
    expect(viaListener).to.deep.equal([PEER]);
    expect(viaStream).to.deep.equal([PEER]);
    transceiver.close();
  });

  it('puts a frame on events$ without an event when nobody listens to its type', () => {
    const transceiver = new FrameTransceiver();
    const dispatched = countDispatches(transceiver);
    const viaStream: string[] = [];
    transceiver.events$.subscribe((event) => viaStream.push(event.type));
    transceiver.frame('rtc:peer', PEER);
    expect(viaStream).to.deep.equal(['rtc:peer']);
    expect(dispatched.types).to.deep.equal([]);
    transceiver.close();
  });
});
