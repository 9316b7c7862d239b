import { Subject, type Subscription } from 'rxjs';
import type { RtcPoolError } from '../../../../src/errors';
import type { NegotiationInput, NegotiationOutput } from '../../../../src/negotiation/actions';
import { negotiationEpic, type NegotiationDeps } from '../../../../src/negotiation/negotiationEpic';
import type { PerfectNegotiationState } from '../../../../src/negotiation/negotiatePeer';
import { peerConnectionPort } from '../../../../src/negotiation/peerConnectionPort';
import { CONTROL_CHANNEL } from '../../../../src/peerSet';
import { RTCPeerConnection } from '../../../../src/node';

/** One end of a {@link LinkedPair}: a bridged peer connection driven by our negotiation epic. */
export interface PairSide {
  readonly id: 'a' | 'b';
  readonly pc: RTCPeerConnection;
  /** rtcpool's negotiated control channel, made as PeerSet makes it. */
  readonly control: RTCDataChannel;
  /** The epic's perfect negotiation state for the other peer. */
  state: PerfectNegotiationState | null;
  /** Descriptions this side sent, by type. */
  readonly sent: { offer: number; answer: number };
  /** Every `negotiation-failed` of this side's epic. */
  readonly failures: RtcPoolError[];
  /** Channels this side got through `datachannel`. */
  readonly received: RTCDataChannel[];
}

/** Two bridged peers in one process, signalled directly to each other through our epic. */
export interface LinkedPair {
  /** The older peer: impolite. */
  readonly a: PairSide;
  /** The newcomer: polite. */
  readonly b: PairSide;
  /** Stops both epics and closes both connections. */
  close(): void;
}

/**
 * Makes two bridged peer connections and negotiates them with `negotiationEpic` and
 * `peerConnectionPort`, as the pool does: the control channel `{ negotiated: true, id: 1023 }`
 * on both sides before negotiation is wired, `a` impolite and `b` polite. Signalling is a
 * direct hand-over in a later task each way (in order), like a relay without a server, or after
 * `signallingDelayMs` like a relay through a server.
 * `beforeWire` runs on both connections before the epics see them (to create channels at the
 * same instant, for instance).
 */
export function linkPair(
  deps: NegotiationDeps = {},
  beforeWire: (side: PairSide) => void = () => undefined,
  signallingDelayMs = 0,
): LinkedPair {
  // a relay takes longer than the direct path between the peers: signallingDelayMs stands for it
  const later = (task: () => void): unknown => (signallingDelayMs > 0 ? setTimeout(task, signallingDelayMs) : setImmediate(task));
  const inputs = { a: new Subject<NegotiationInput>(), b: new Subject<NegotiationInput>() };
  const side = (id: 'a' | 'b'): PairSide => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const control = pc.createDataChannel(CONTROL_CHANNEL.label, { negotiated: true, id: CONTROL_CHANNEL.id });
    const made: PairSide = { id, pc, control, state: null, sent: { offer: 0, answer: 0 }, failures: [], received: [] };
    pc.addEventListener('datachannel', (event) => made.received.push((event as RTCDataChannelEvent).channel));
    return made;
  };
  const a = side('a');
  const b = side('b');
  const subscriptions: Subscription[] = [];
  const run = (from: PairSide, to: PairSide): void => {
    const deliver = (output: NegotiationOutput): void => {
      if (output.type === 'negotiation-failed') {
        from.failures.push(output.error);
        return;
      }
      if (output.type === 'send-description') {
        if (output.description.type === 'offer' || output.description.type === 'answer') from.sent[output.description.type]++;
        later(() => inputs[to.id].next({ type: 'remote-description', peer: from.id, description: output.description }));
      } else {
        later(() => inputs[to.id].next({ type: 'remote-candidate', peer: from.id, candidate: output.candidate }));
      }
    };
    subscriptions.push(
      negotiationEpic(inputs[from.id], { ...deps, onPeerState: (_peer, state) => (from.state = state) }).subscribe(deliver),
    );
  };
  run(a, b);
  run(b, a);
  beforeWire(a);
  beforeWire(b);
  inputs.a.next({ type: 'peer-added', peer: 'b', polite: false, port: peerConnectionPort(a.pc) });
  inputs.b.next({ type: 'peer-added', peer: 'a', polite: true, port: peerConnectionPort(b.pc) });
  return {
    a,
    b,
    close: () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      a.pc.close();
      b.pc.close();
    },
  };
}

/** Resolves when `channel` is open (at once if it is), rejects if it closes first or after `ms`. */
export function opened(channel: RTCDataChannel, ms = 10_000): Promise<RTCDataChannel> {
  return new Promise((resolve, reject) => {
    if (channel.readyState === 'open') return resolve(channel);
    const timer = setTimeout(() => done(new Error(`channel '${channel.label}' did not open within ${ms} ms (${channel.readyState})`)), ms);
    const done = (error?: Error): void => {
      clearTimeout(timer);
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('close', onClose);
      if (error) reject(error);
      else resolve(channel);
    };
    const onOpen = (): void => done();
    const onClose = (): void => done(new Error(`channel '${channel.label}' closed before it opened`));
    channel.addEventListener('open', onOpen);
    channel.addEventListener('close', onClose);
  });
}

/** Resolves with the first channel `side` receives with `label`. */
export function receivedChannel(side: PairSide, label: string, ms = 10_000): Promise<RTCDataChannel> {
  const found = side.received.find((channel) => channel.label === label);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      side.pc.removeEventListener('datachannel', onChannel);
      reject(new Error(`${side.id} received no channel '${label}' within ${ms} ms`));
    }, ms);
    const onChannel = (event: Event): void => {
      const { channel } = event as RTCDataChannelEvent;
      if (channel.label !== label) return;
      clearTimeout(timer);
      side.pc.removeEventListener('datachannel', onChannel);
      resolve(channel);
    };
    side.pc.addEventListener('datachannel', onChannel);
  });
}

/** The next message on `channel`. */
export function nextMessage(channel: RTCDataChannel, ms = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on '${channel.label}' within ${ms} ms`)), ms);
    channel.addEventListener(
      'message',
      (event) => {
        clearTimeout(timer);
        resolve((event as MessageEvent).data);
      },
      { once: true },
    );
  });
}

/** Resolves once both sides are stable and every given channel is open. */
export async function settled(pair: LinkedPair, channels: RTCDataChannel[], ms = 10_000): Promise<void> {
  await Promise.all(channels.map((channel) => opened(channel, ms)));
  const deadline = Date.now() + ms;
  while (pair.a.pc.signalingState !== 'stable' || pair.b.pc.signalingState !== 'stable') {
    if (Date.now() > deadline) throw new Error(`not stable within ${ms} ms: a ${pair.a.pc.signalingState}, b ${pair.b.pc.signalingState}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
