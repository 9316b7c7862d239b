import { expect } from 'chai';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { NegotiationInput, NegotiationOutput } from '../../../src/negotiation/actions';
import { headerExtensionLock, HEADER_EXTENSION_LOCK_WAIT_MS, type LockKind } from '../../../src/negotiation/headerExtensionLock';
import { negotiationEpic } from '../../../src/negotiation/negotiationEpic';
import { sdpEngine, type SdpEngine } from '../../../src/negotiation/sdpEngine';
import type { SdpDescription } from '../../../src/signalling/messages';
import { FakePort } from './fakePort';

const FIREFOX_SDP = 'v=0\r\no=mozilla...THIS_IS_SDPARTA-128.0 4107513532498839164 0 IN IP4 0.0.0.0\r\ns=-\r\n';
const CHROMIUM_SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const NODE_SDP = 'v=0\r\no=rtc 2284398116 0 IN IP4 127.0.0.1\r\ns=-\r\n';

/** A fake connection with the lock's two port methods, whose local descriptions `engine` writes. */
class EnginePort extends FakePort {
  readonly locked: LockKind[][] = [];
  engine: SdpEngine = 'libwebrtc';
  session = (): { local: SdpEngine | null; kinds: () => ReadonlySet<string> } => ({ local: this.engine, kinds: () => new Set<string>() });
  lockHeaderExtensions = (kinds: readonly LockKind[]): void => void this.locked.push([...kinds]);
}

describe('sdpEngine', () => {
  it('tells Firefox, libwebrtc and other stacks apart by the origin line', () => {
    expect([FIREFOX_SDP, CHROMIUM_SDP, NODE_SDP, '', undefined].map(sdpEngine)).to.deep.equal(['firefox', 'libwebrtc', 'other', null, null]);
  });
});

describe('headerExtensionLock', () => {
  const none = (): ReadonlySet<string> => new Set();
  it('locks on an impolite Firefox side facing libwebrtc, the kinds the session lacks', () => {
    expect(headerExtensionLock('firefox', 'libwebrtc', false, none)).to.deep.equal({ role: 'lock', kinds: ['audio', 'video'] });
    expect(headerExtensionLock('firefox', 'libwebrtc', false, () => new Set(['audio']))).to.deep.equal({ role: 'lock', kinds: ['video'] });
  });

  it('waits on a polite libwebrtc side facing Firefox', () => {
    expect(headerExtensionLock('libwebrtc', 'firefox', true, none)).to.deep.equal({ role: 'await' });
  });

  it('does nothing in a same-engine pair, with libwebrtc impolite, with other stacks, or when both kinds are there', () => {
    for (const [local, remote, polite] of [
      ['libwebrtc', 'libwebrtc', true],
      ['firefox', 'firefox', false],
      ['libwebrtc', 'firefox', false],
      ['firefox', 'libwebrtc', true],
      ['other', 'firefox', true],
      ['firefox', 'other', false],
    ] as const) {
      expect(headerExtensionLock(local, remote, polite, none), `${local}/${remote}/${polite}`).to.deep.equal({ role: 'none' });
    }
    expect(headerExtensionLock('firefox', 'libwebrtc', false, () => new Set(['audio', 'video']))).to.deep.equal({ role: 'none' });
  });
});

describe('negotiationEpic with the header extension lock', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => void expect(actual).to.deep.equal(expected));
  });

  /** The epic over `port`, fed by hand; what it sends, with the frame it was sent at. */
  function run(port: FakePort, polite = true): { readonly input: Subject<NegotiationInput>; readonly sent: string[] } {
    const input = new Subject<NegotiationInput>();
    const sent: string[] = [];
    negotiationEpic(input).subscribe((output: NegotiationOutput) => {
      if (output.type === 'send-description') sent.push(`${scheduler.now()} ${output.description.type}`);
    });
    input.next({ type: 'peer-added', peer: 'ff', polite, port });
    return { input, sent };
  }
  const offer = (sdp: string): NegotiationInput => ({ type: 'remote-description', peer: 'ff', description: { type: 'offer', sdp } satisfies SdpDescription });

  it("holds an offer made after the first exchange until it has answered the peer's lock offer", () => {
    scheduler.run(({ hot, flush }) => {
      const port = new EnginePort(hot<void>('-----n'));
      const { input, sent } = run(port);
      hot('-f--------l').subscribe((which) => input.next(offer(which === 'f' ? FIREFOX_SDP : `${FIREFOX_SDP}a=lock\r\n`)));
      // the app's track: the lock offer cannot carry it, so the browser asks again after the answer
      hot('----u').subscribe(() => (port.unanswerable = true));
      flush();
      // first answer; negotiationneeded at 5 waits; the lock offer (10) answered at 12, then our offer
      expect(sent).to.deep.equal(['3 answer', '12 answer', '14 offer']);
      expect(port.locked).to.deep.equal([]);
    });
  });

  it(`makes the held offer when no lock offer came within HEADER_EXTENSION_LOCK_WAIT_MS (a peer without the lock)`, () => {
    scheduler.run(({ hot, flush }) => {
      const port = new EnginePort(hot<void>('-----n'));
      const { input, sent } = run(port);
      hot('-f').subscribe(() => input.next(offer(FIREFOX_SDP)));
      flush();
      expect(sent).to.deep.equal(['3 answer', `${3 + HEADER_EXTENSION_LOCK_WAIT_MS + 1} offer`]);
    });
  });

  it('does not wait for a libwebrtc peer', () => {
    scheduler.run(({ hot, flush }) => {
      const port = new EnginePort(hot<void>('-----n'));
      const { input, sent } = run(port);
      hot('-f').subscribe(() => input.next(offer(CHROMIUM_SDP)));
      flush();
      expect(sent).to.deep.equal(['3 answer', '6 offer']);
    });
  });

  it('on the impolite Firefox side, adds the missing kinds once its first offer is answered by libwebrtc', () => {
    scheduler.run(({ hot, flush }) => {
      const port = new EnginePort(hot<void>('-n'));
      port.engine = 'firefox';
      const { input, sent } = run(port, false);
      hot('----a').subscribe(() => input.next({ type: 'remote-description', peer: 'ff', description: { type: 'answer', sdp: CHROMIUM_SDP } }));
      flush();
      expect(sent).to.deep.equal(['2 offer']);
      expect(port.locked).to.deep.equal([['audio', 'video']]);
    });
  });
});
