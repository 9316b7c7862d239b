/** The WebRTC stack that wrote a session description, as far as negotiation must tell them apart. */
export type SdpEngine = 'firefox' | 'libwebrtc' | 'other';

/**
 * The engine that wrote `sdp`, from its origin line: Firefox writes `o=mozilla...THIS_IS_SDPARTA-…`,
 * libwebrtc (Chromium, Safari) `o=- <session id> <version> IN IP4 127.0.0.1`. Anything else
 * (libdatachannel's `o=rtc …`, other stacks) is `other`; null when there is no description.
 */
export function sdpEngine(sdp: string | null | undefined): SdpEngine | null {
  if (!sdp) return null;
  if (/^o=mozilla\.\.\.THIS_IS_SDPARTA/m.test(sdp)) return 'firefox';
  if (/^o=- \d+ \d+ IN IP4 127\.0\.0\.1\r?$/m.test(sdp)) return 'libwebrtc';
  return 'other';
}
