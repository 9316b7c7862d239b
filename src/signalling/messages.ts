/**
 * The ssp v2 message types (see the protocol section of the README), as discriminated unions on
 * `type`. Both the client and the server use these; {@link parseClientMessage} and
 * {@link parseServerMessage} are the only way a frame from the network becomes one.
 */

/** A peer's id, as the server assigns it. */
export type PeerId = string;

/** A trusted peer description: any JSON object set by the server, or null. */
export type PeerDescription = { readonly [key: string]: unknown } | null;

/** An SDP description as it travels in `rtc:sdp`. */
export interface SdpDescription {
  readonly type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  readonly sdp?: string;
}

/** An ICE candidate as it travels in `rtc:candidate`; null marks the end of candidates. */
export interface IceCandidate {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

/** `rtc:join`: ask to join (or create) a pool. */
export interface JoinMessage {
  readonly type: 'rtc:join';
  readonly data: { readonly pool: string };
}
/** `rtc:sdp` from a client: a description for peer `to`. */
export interface SdpRequest {
  readonly type: 'rtc:sdp';
  readonly data: { readonly to: PeerId; readonly description: SdpDescription };
}
/** `rtc:candidate` from a client: a candidate for peer `for`. */
export interface CandidateRequest {
  readonly type: 'rtc:candidate';
  readonly data: { readonly for: PeerId; readonly candidate: IceCandidate | null };
}
/**
 * `rtc:resume` (our extension): after a signalling outage, take back the place `id` held in
 * `pool`, proving it with the `token` of `rtc:joined`.
 */
export interface ResumeMessage {
  readonly type: 'rtc:resume';
  readonly data: { readonly id: PeerId; readonly pool: string; readonly token: string };
}
/** Every message a client sends to the server. */
export type ClientMessage = JoinMessage | SdpRequest | CandidateRequest | ResumeMessage;

/** `rtc:joined`: the join succeeded. */
export interface JoinedMessage {
  readonly type: 'rtc:joined';
  readonly data: {
    readonly client_id: PeerId;
    readonly peers: readonly PeerId[];
    readonly descriptions: { readonly [peer: PeerId]: PeerDescription };
    readonly pool: string;
    /** Our extension: the secret that resumes this membership after an outage. */
    readonly token?: string;
  };
}
/** `rtc:resumed` (our extension): the resume worked; the peers in the pool now. */
export interface ResumedMessage {
  readonly type: 'rtc:resumed';
  readonly data: {
    readonly client_id: PeerId;
    readonly peers: readonly PeerId[];
    readonly descriptions: { readonly [peer: PeerId]: PeerDescription };
    readonly pool: string;
  };
}
/**
 * `rtc:peer`: a peer has just joined the pool. `description` is our extension: the newcomer's
 * description, so members need not wait for an `rtc:describe` (plain ssp v2 servers omit it).
 */
export interface PeerMessage {
  readonly type: 'rtc:peer';
  /** `resumed` (ours): a member that resumed its place, which peers may already know. */
  readonly data: { readonly id: PeerId; readonly description?: PeerDescription; readonly resumed?: boolean };
}
/** `rtc:sdp` relayed by the server: `peer` is the sender. */
export interface SdpMessage {
  readonly type: 'rtc:sdp';
  readonly data: { readonly peer: PeerId; readonly description: SdpDescription };
}
/** `rtc:candidate` relayed by the server: `from` is the sender. */
export interface CandidateMessage {
  readonly type: 'rtc:candidate';
  readonly data: { readonly from: PeerId; readonly candidate: IceCandidate | null };
}
/** `rtc:close`: a peer left. `uid` is the 3.0.0 spelling of `id`. */
export interface CloseMessage {
  readonly type: 'rtc:close';
  readonly data: { readonly id: PeerId; readonly uid?: PeerId };
}
/** `rtc:stop`: the server force-closes the pool. */
export interface StopMessage {
  readonly type: 'rtc:stop';
  readonly data: Record<string, never>;
}
/** `rtc:describe`: the server set a peer's description. */
export interface DescribeMessage {
  readonly type: 'rtc:describe';
  readonly data: { readonly id: PeerId; readonly uid?: PeerId; readonly description: PeerDescription };
}
/** `rtc:error`: the server refused a message. */
export interface ErrorMessage {
  readonly type: 'rtc:error';
  readonly data: { readonly message: string; readonly reason: string };
}
/** Every message a server sends to a client. */
export type ServerMessage =
  | JoinedMessage
  | ResumedMessage
  | PeerMessage
  | SdpMessage
  | CandidateMessage
  | CloseMessage
  | StopMessage
  | DescribeMessage
  | ErrorMessage;
