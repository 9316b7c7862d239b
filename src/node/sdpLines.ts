/** An SDP without its candidate lines (`a=candidate:` and `a=end-of-candidates`). */
export function withoutCandidates(sdp: string): string {
  return sdp.replace(/^a=(candidate:|end-of-candidates).*\r?\n/gm, '');
}

/** The mid of the media section at `index` of an SDP, or null. */
export function midAt(sdp: string, index: number | null | undefined): string | null {
  if (index == null) return null;
  return sdp.split(/^m=/m).slice(1)[index]?.match(/^a=mid:(\S+)/m)?.[1] ?? null;
}

/** The ICE username fragment of an SDP (its first `a=ice-ufrag:`), or undefined. */
export function iceUfrag(sdp: string): string | undefined {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
}
