// Loaded into the bench page before bench/page/bench.ts (bench/profile/p1Timeline.ts serves both):
// notes, with the page's clock, when each step of a mesh setup reaches the page's thread, for
// whichever library runs the case. It wraps the RTCPeerConnection methods that negotiation calls,
// the WebSocket's send and its message events, and listens to each connection's ICE and channel
// events; nothing else of the page changes. Only the milestones the runner reads are kept.

/** One noted step: ms since the page started, and what happened. */
export type TimelineEntry = readonly [number, string];

const entries: TimelineEntry[] = [];
const note = (what: string): void => void entries.push([performance.now(), what]);
/** The type of a signalling frame, and the description's type for rtc:sdp ("rtc:sdp offer"). */
const frameKind = (frame: unknown): string => {
  try {
    const { type, data } = JSON.parse(String(frame)) as { type?: string; data?: { description?: { type?: string } } };
    return type === 'rtc:sdp' ? `${type} ${data?.description?.type ?? '?'}` : String(type);
  } catch {
    return '?';
  }
};

const proto = RTCPeerConnection.prototype;
const setLocalDescription = proto.setLocalDescription;
proto.setLocalDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setLocalDescription>) {
  // called in stable, it makes an offer; in have-remote-offer, an answer
  note(`setLocalDescription ${this.signalingState === 'stable' ? 'offer' : 'answer'}`);
  return setLocalDescription.apply(this, args);
} as typeof setLocalDescription;
const setRemoteDescription = proto.setRemoteDescription;
proto.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setRemoteDescription>) {
  const type = args[0]?.type ?? '?';
  note(`setRemoteDescription ${type}`);
  return setRemoteDescription.apply(this, args).then(() => note(`setRemoteDescription ${type} done`));
} as typeof setRemoteDescription;
const addIceCandidate = proto.addIceCandidate;
proto.addIceCandidate = function (this: RTCPeerConnection, ...args: Parameters<typeof addIceCandidate>) {
  if (args[0]?.candidate) note('addIceCandidate');
  return addIceCandidate.apply(this, args);
} as typeof addIceCandidate;

const NativePeerConnection = RTCPeerConnection;
/** Each connection made from now on, with listeners for the milestones. */
function RecordedPeerConnection(this: unknown, ...args: ConstructorParameters<typeof RTCPeerConnection>): RTCPeerConnection {
  const pc = new NativePeerConnection(...args);
  note('new RTCPeerConnection');
  pc.addEventListener('iceconnectionstatechange', () => note(`ice ${pc.iceConnectionState}`));
  pc.addEventListener('datachannel', ({ channel }) => channel.addEventListener('open', () => note(`incoming open ${channel.label}`)));
  const createDataChannel = pc.createDataChannel.bind(pc);
  pc.createDataChannel = (label, init) => {
    const channel = createDataChannel(label, init);
    channel.addEventListener('open', () => note(`open ${label}`));
    return channel;
  };
  return pc;
}
RecordedPeerConnection.prototype = proto;
Object.setPrototypeOf(RecordedPeerConnection, NativePeerConnection);
globalThis.RTCPeerConnection = RecordedPeerConnection as unknown as typeof RTCPeerConnection;

const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: Parameters<typeof send>[0]) {
  note(`sent ${frameKind(data)}`);
  return send.call(this, data);
};
// every page script listens by addEventListener or by onmessage: one capturing listener per
// socket, added when the socket is made, sees each message before they do
const NativeWebSocket = WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.addEventListener('message', ({ data }) => note(`received ${frameKind(data)}`), { capture: true });
  }
};

/** What the runner calls: `start()` before a case, `take()` after it. */
Object.assign(globalThis, {
  p1Timeline: {
    start: (): void => void (entries.length = 0),
    take: (): TimelineEntry[] => entries.splice(0),
  },
});
