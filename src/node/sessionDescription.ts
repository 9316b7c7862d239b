/**
 * A description of a Node peer connection, shaped like a browser's `RTCSessionDescription`
 * (`type`, `sdp`, `toJSON()`). The bridge hands out null where there is no description, never
 * an object with an empty `sdp` as node-datachannel's polyfill does.
 */
export class SessionDescription implements RTCSessionDescription {
  /**
   * @param type - offer, answer, pranswer or rollback
   * @param sdp - the SDP text
   */
  constructor(
    readonly type: RTCSdpType,
    readonly sdp: string,
  ) {}

  /** The plain `{ type, sdp }` to send through signalling. */
  toJSON(): RTCSessionDescriptionInit {
    return { type: this.type, sdp: this.sdp };
  }
}

/** The description of a native `{ type, sdp }`, or null for none (or an empty one). */
export function sessionDescription(native: { type: string; sdp: string } | null | undefined): SessionDescription | null {
  if (!native || !native.sdp) return null;
  return new SessionDescription(native.type as RTCSdpType, native.sdp);
}
