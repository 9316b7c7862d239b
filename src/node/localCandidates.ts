/** A local candidate as the bridge hands it to `icecandidate` listeners. */
export interface LocalCandidateInit {
  readonly candidate: string;
  readonly sdpMid: string;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
}

/** The `candidate:` lines of an SDP with the mid of the section each is in. */
function sdpCandidates(sdp: string): Array<{ candidate: string; mid: string }> {
  const found: Array<{ candidate: string; mid: string }> = [];
  let mid = '';
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) mid = '';
    else if (line.startsWith('a=mid:')) mid = line.slice('a=mid:'.length).trim();
    else if (line.startsWith('a=candidate:')) found.push({ candidate: line.slice(2).trim(), mid });
  }
  return found;
}

/** The index of the media section with `mid`, or null. */
function mLineIndex(sdp: string, mid: string): number | null {
  let index = -1;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) index++;
    else if (line === `a=mid:${mid}` && index >= 0) return index;
  }
  return null;
}

/**
 * The local candidates of one connection, each handed out once, then one null at the end of
 * gathering (node-datachannel fires none). Candidates and the gathering state reach JavaScript
 * through separate native queues, so the end can overtake the last candidates: at the end, any
 * candidate already in the local description that was not handed out yet goes first.
 *
 * They are held until the connection has a remote description ({@link release}): an offerer
 * that lets the answerer reach it before the answer is applied fails the DTLS handshake, because
 * libdatachannel checks the answerer's certificate against a fingerprint it does not have yet
 * ("certificate verify failed", then "Got a remote candidate without ICE transport" when the
 * answer comes). Browsers wait for the fingerprint; libdatachannel does not, so the answerer
 * must not learn where the offerer is before the offerer has the answer.
 */
export class LocalCandidates {
  readonly #emitted = new Set<string>();
  #ended = false;
  /** What waits for {@link release}; null once released. */
  #held: Array<LocalCandidateInit | null> | null = [];

  readonly #localSdp: () => string | null;
  readonly #emit: (candidate: LocalCandidateInit | null) => void;

  /**
   * @param localSdp - the current local description's SDP, or null
   * @param emit - hands a candidate, or the final null, to the connection's listeners
   */
  constructor(
    localSdp: () => string | null,
    emit: (candidate: LocalCandidateInit | null) => void,
  ) {
    this.#localSdp = localSdp;
    this.#emit = emit;
  }

  /** Whether candidates are still held back (no remote description yet). */
  get holding(): boolean {
    return this.#held !== null;
  }

  /** The connection has a remote description: what was held goes out, in order, and the rest at once. */
  release(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    for (const candidate of held) this.#emit(candidate);
  }

  /** A candidate from the native side (`candidate:...`, with or without `a=`). */
  add(candidate: string, mid: string): void {
    const line = candidate.startsWith('a=') ? candidate.slice(2) : candidate;
    if (this.#emitted.has(line)) return;
    this.#emitted.add(line);
    const sdp = this.#localSdp() ?? '';
    this.#send({
      candidate: line,
      sdpMid: mid,
      sdpMLineIndex: mLineIndex(sdp, mid),
      usernameFragment: /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null,
    });
  }

  /** Gathering is complete: whatever is left, then null (once). */
  complete(): void {
    if (this.#ended) return;
    for (const { candidate, mid } of sdpCandidates(this.#localSdp() ?? '')) this.add(candidate, mid);
    this.#ended = true;
    this.#send(null);
  }

  #send(candidate: LocalCandidateInit | null): void {
    if (this.#held) this.#held.push(candidate);
    else this.#emit(candidate);
  }
}
