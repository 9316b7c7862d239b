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
  /** The description's type. */
  readonly type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  /** The SDP; absent on a rollback. */
  readonly sdp?: string;
}

/** An ICE candidate as it travels in `rtc:candidate`; null marks the end of candidates. */
export interface IceCandidate {
  /** The candidate line. */
  readonly candidate: string;
  /** The media section's mid. */
  readonly sdpMid?: string | null;
  /** The media section's index. */
  readonly sdpMLineIndex?: number | null;
  /** The ICE ufrag it belongs to. */
  readonly usernameFragment?: string | null;
}

/** `rtc:join`: ask to join (or create) a pool. */
export interface JoinMessage {
  /** The event type. */
  readonly type: 'rtc:join';
  /** The event's data. */
  readonly data: {
    /** Name of the pool to join. */
    readonly pool: string;
    /** Our extension: this client acknowledges relays (`rtc:ack`), so the server numbers them. */
    readonly ack?: boolean;
    /**
     * Our extension: this client sends an offer to every member that joins after it, as soon as
     * it hears of it (`rtc:peer`); the server lists it in the newcomers' `offerers`.
     */
    readonly offerer?: boolean;
    /**
     * Our extension: this client keeps a standing offer for the next newcomer (`rtc:standing`),
     * and answers the standing offers `rtc:joined` hands it (`standingOffers`).
     */
    readonly standing?: boolean;
    /** Our extension, with `standing`: the client's standing offer, ready before it joined. */
    readonly standingOffer?: {
      /** The client's number for it, as in `rtc:standing`. */
      readonly sid: number;
      /** The offer. */
      readonly description: SdpDescription;
    };
  };
}
/**
 * `rtc:standing` from a client (our extension): its standing offer, kept by the server for the
 * next newcomer that asked for standing offers; it replaces the one before.
 */
export interface StandingOfferRequest {
  /** The event type. */
  readonly type: 'rtc:standing';
  /** The event's data. */
  readonly data: {
    /** The client's number for this offer: the server's `rtc:standing` and `rtc:peer` `standing` name it. */
    readonly sid: number;
    /** The offer (complete: its candidates are in its SDP). */
    readonly description: SdpDescription;
  };
}
/** `rtc:sdp` from a client: a description for peer `to`. */
export interface SdpRequest {
  /** The event type. */
  readonly type: 'rtc:sdp';
  /** The event's data. */
  readonly data: {
    /** The target peer. */
    readonly to: PeerId;
    /** The description for it. */
    readonly description: SdpDescription;
  };
}
/** `rtc:candidate` from a client: a candidate for peer `for`. */
export interface CandidateRequest {
  /** The event type. */
  readonly type: 'rtc:candidate';
  /** The event's data. */
  readonly data: {
    /** The target peer. */
    readonly for: PeerId;
    /** The candidate, or null at the end. */
    readonly candidate: IceCandidate | null;
  };
}
/**
 * `rtc:resume` (our extension): after a signalling outage, take back the place `id` held in
 * `pool`, proving it with the `token` of `rtc:joined`.
 */
export interface ResumeMessage {
  /** The event type. */
  readonly type: 'rtc:resume';
  /** The event's data. */
  readonly data: {
    /** The id to take back. */
    readonly id: PeerId;
    /** The pool it was in. */
    readonly pool: string;
    /** The token of its `rtc:joined` (or of its last `rtc:resumed`). */
    readonly token: string;
    /** This client acknowledges relays (`rtc:ack`), so the server numbers them. */
    readonly ack?: boolean;
    /** The highest relay number (`seq`) this client received before the outage; 0 for none. */
    readonly last?: number;
    /** As in `rtc:join`: for a server that readmits a member it no longer knows. */
    readonly offerer?: boolean;
    /** As in `rtc:join`, for the same reason. */
    readonly standing?: boolean;
  };
}
/**
 * `rtc:ack` (our extension): the client received every numbered relay up to `seq`; the server
 * no longer keeps them for a replay.
 */
export interface AckMessage {
  /** The event type. */
  readonly type: 'rtc:ack';
  /** The event's data. */
  readonly data: {
    /** The highest relay number received. */
    readonly seq: number;
  };
}
/**
 * `rtc:ice-servers` from a client (our extension): asks for fresh ICE servers before the
 * credentials it was given expire. Only a server that handed out ICE servers is asked.
 */
export interface IceServersRequest {
  /** The event type. */
  readonly type: 'rtc:ice-servers';
  /** The event's data: nothing. */
  readonly data: Record<string, never>;
}
/** Every message a client sends to the server. */
export type ClientMessage = JoinMessage | SdpRequest | CandidateRequest | ResumeMessage | AckMessage | IceServersRequest | StandingOfferRequest;

/** ICE servers handed out by the server (our extension), in `rtc:joined`, `rtc:resumed` and `rtc:ice-servers`. */
export interface IceServerFields {
  /** `RTCIceServer` entries for the client's peer connections, after its own. */
  readonly iceServers?: readonly RTCIceServer[];
  /** Seconds until credentials in `iceServers` expire; absent when none do. */
  readonly iceServersTtl?: number;
}

/** A pool as `rtc:joined` and `rtc:resumed` show it to a member. */
export interface PoolView {
  /** The id the server gave this client. */
  readonly client_id: PeerId;
  /** The others in the pool. */
  readonly peers: readonly PeerId[];
  /** Their descriptions. */
  readonly descriptions: { readonly [peer: PeerId]: PeerDescription };
  /** The id of the pool (it may differ from the name asked for). */
  readonly pool: string;
}
/** `rtc:joined`: the join succeeded. */
export interface JoinedMessage {
  /** The event type. */
  readonly type: 'rtc:joined';
  /** The pool joined. */
  readonly data: PoolView &
    IceServerFields & {
      /** Our extension: the secret that resumes this membership after an outage. */
      readonly token?: string;
      /**
       * Our extension: the members of `peers` that joined as offerers (`rtc:join` `offerer`): each
       * sends this newcomer an offer without being asked, so the newcomer waits for it instead of
       * offering first. Absent from a server without the extension: then no member is known to.
       */
      readonly offerers?: readonly PeerId[];
      /**
       * Our extension, for a newcomer that asked for them (`rtc:join` `standing`): the standing
       * offers of the members that had one, by member id, taken for this newcomer: it answers
       * each at once (with `rtc:sdp`, as any answer).
       */
      readonly standingOffers?: { readonly [peer: PeerId]: SdpDescription };
    };
}
/** `rtc:resumed` (our extension): the resume worked; the pool as it is now. */
export interface ResumedMessage {
  /** The event type. */
  readonly type: 'rtc:resumed';
  /** The pool resumed. */
  readonly data: PoolView &
    IceServerFields & {
      /** The next resume's token: each token resumes once, so the server hands out a new one. */
      readonly token?: string;
    };
}
/**
 * `rtc:peer`: a peer has just joined the pool. `description` is our extension: the newcomer's
 * description, so members need not wait for an `rtc:describe` (plain ssp v2 servers omit it).
 */
export interface PeerMessage {
  /** The event type. */
  readonly type: 'rtc:peer';
  /** The event's data; `resumed` (ours) marks a member that resumed its place, which peers may already know. */
  readonly data: {
    /** The newcomer. */
    readonly id: PeerId;
    /** Its description (ours). */
    readonly description?: PeerDescription;
    /** It resumed its place (ours). */
    readonly resumed?: boolean;
    /** The `sid` of this member's standing offer that the newcomer took, and answers (ours). */
    readonly standing?: number;
  };
}
/**
 * `rtc:standing` from the server (our extension): the standing offer `sid` is the member's now;
 * any earlier one was dropped, unless an `rtc:peer` before this said a newcomer took it.
 */
export interface StandingOfferMessage {
  /** The event type. */
  readonly type: 'rtc:standing';
  /** The event's data. */
  readonly data: {
    /** The standing offer kept. */
    readonly sid: number;
  };
}
/** `rtc:sdp` relayed by the server: `peer` is the sender. */
export interface SdpMessage {
  /** The event type. */
  readonly type: 'rtc:sdp';
  /** The event's data. */
  readonly data: {
    /** The sender, set by the server. */
    readonly peer: PeerId;
    /** Its description. */
    readonly description: SdpDescription;
  };
}
/** `rtc:candidate` relayed by the server: `from` is the sender. */
export interface CandidateMessage {
  /** The event type. */
  readonly type: 'rtc:candidate';
  /** The event's data. */
  readonly data: {
    /** The sender, set by the server. */
    readonly from: PeerId;
    /** Its candidate, or null at the end. */
    readonly candidate: IceCandidate | null;
  };
}
/** `rtc:close`: a peer left. `uid` is the 3.0.0 spelling of `id`. */
export interface CloseMessage {
  /** The event type. */
  readonly type: 'rtc:close';
  /** The event's data. */
  readonly data: {
    /** The peer that left. */
    readonly id: PeerId;
    /** The same, in the 3.0.0 spelling. */
    readonly uid?: PeerId;
  };
}
/** `rtc:stop`: the server force-closes the pool. */
export interface StopMessage {
  /** The event type. */
  readonly type: 'rtc:stop';
  /** The event's data. */
  readonly data: Record<string, never>;
}
/** `rtc:describe`: the server set a peer's description. */
export interface DescribeMessage {
  /** The event type. */
  readonly type: 'rtc:describe';
  /** The event's data. */
  readonly data: {
    /** The peer described. */
    readonly id: PeerId;
    /** The same, in the 3.0.0 spelling. */
    readonly uid?: PeerId;
    /** Its new description. */
    readonly description: PeerDescription;
  };
}
/** `rtc:error`: the server refused a message. */
export interface ErrorMessage {
  /** The event type. */
  readonly type: 'rtc:error';
  /** The event's data. */
  readonly data: {
    /** Human-readable text. */
    readonly message: string;
    /** A stable machine code. */
    readonly reason: string;
  };
}
/** `rtc:ice-servers` from the server (our extension): fresh ICE servers, answering the client's request. */
export interface IceServersMessage {
  /** The event type. */
  readonly type: 'rtc:ice-servers';
  /** The ICE servers. */
  readonly data: IceServerFields & {
    /** The ICE servers, with fresh credentials. */
    readonly iceServers: readonly RTCIceServer[];
  };
}
/** Every message a server sends to a client. */
export type ServerMessage =
  | IceServersMessage
  | StandingOfferMessage
  | JoinedMessage
  | ResumedMessage
  | PeerMessage
  | SdpMessage
  | CandidateMessage
  | CloseMessage
  | StopMessage
  | DescribeMessage
  | ErrorMessage;
