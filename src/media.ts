import { BehaviorSubject, Subscription, type Observable } from 'rxjs';
import { checkReplacement } from './checkReplacement';
import { checkKind, type MediaKind, type MuteState } from './mediaKind';
import type { ManagedConnection } from './connection';
import { RtcPoolError } from './errors';
import type { Pool } from './pool';
import type { PeerId } from './signalling/messages';
import { replayState } from './util/replayState';
import { inSubscriberZone } from './zone/inSubscriberZone';
import { runOutsideZone } from './zone/runOutsideZone';

export type { MediaKind, MuteState } from './mediaKind';

interface Sending {
  readonly connection: ManagedConnection;
  /** The stream the peer receives these tracks in: its id is the remote stream's id. */
  readonly stream: MediaStream;
  /** Each local track's sender on this connection. */
  readonly senders: Map<MediaStreamTrack, RTCRtpSender>;
}

/**
 * A class that automatically manages a MediaStream, adding its tracks to all existing peers and
 * all peers that connect later on. This behavior will continue until this ManagedStream is
 * closed or all tracks have ended.
 *
 * Each peer receives the tracks grouped as one remote MediaStream, whose id is
 * `getStream(peerId).id`. Muting replaces the track with nothing on every sender
 * (`replaceTrack(null)`): no bytes flow, and no peer renegotiates. {@link ManagedStream.replaceTrack}
 * switches a camera or microphone the same way.
 *
 * Dispatches `close` when it closes, by `close()` or because every track ended.
 *
 * @example
 * ```ts
 * const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
 * const shared = new media.ManagedStream(camera, pool);
 * muteButton.onclick = () => (shared.muted('audio') ? shared.unmute('audio') : shared.mute('audio'));
 * ```
 */
export class ManagedStream extends EventTarget {
  #liveTracks: MediaStreamTrack[];
  readonly #mutedTracks = new Set<MediaStreamTrack>();
  readonly #sending = new Map<PeerId, Sending>();
  /**
   * The track each sender was last asked to send (null: muted). `sender.track` changes only once
   * a `replaceTrack` has run, so a mute and an unmute in one task would read a stale one and leave
   * the sender muted; these are what the senders will send once every call has run, in order.
   */
  readonly #asked = new WeakMap<RTCRtpSender, MediaStreamTrack | null>();
  readonly #subscription = new Subscription();
  readonly #closedState = new BehaviorSubject(false);
  readonly #muteState: BehaviorSubject<MuteState>;

  /** Whether it is closed; replays the current value, emits `true` once and completes. */
  readonly closed$: Observable<boolean> = replayState(this.#closedState).pipe(inSubscriberZone());
  /** Which kinds are muted; replays the current value; completes on close. */
  readonly muted$: Observable<MuteState>;

  /**
   * @param stream - the stream whose tracks to send (its tracks as they are now)
   * @param pool - the pool whose current and future peers receive them
   * @throws {@link RtcPoolError} `bad-argument` if `stream` is not a MediaStream
   */
  constructor(stream: MediaStream, pool: Pool) {
    super();
    if (!(stream instanceof MediaStream)) throw new RtcPoolError('bad-argument', 'ManagedStream takes a MediaStream');
    this.#liveTracks = stream.getTracks().filter((track) => track.readyState === 'live');
    this.#muteState = new BehaviorSubject(this.#muteSummary());
    this.muted$ = replayState(this.#muteState).pipe(inSubscriberZone());
    for (const track of this.#liveTracks) track.addEventListener('ended', this.#onEnded);
    if (this.#liveTracks.length === 0) {
      this.close();
      return;
    }
    for (const connection of pool.connections) this.#send(connection);
    // its own work on the pool's streams stays in the root zone (no change detection per peer)
    runOutsideZone(() => {
      this.#subscription.add(pool.peerJoined$.subscribe((connection) => this.#send(connection)));
      this.#subscription.add(pool.peerLeft$.subscribe((connection) => this.#sending.delete(connection.id)));
    });
  }

  /** Whether this stream is closed. */
  get closed(): boolean {
    return this.#closedState.value;
  }

  /** The tracks it sends (a copy): those not ended, muted or not. Empty once closed. */
  get tracks(): MediaStreamTrack[] {
    return [...this.#liveTracks];
  }

  /**
   * Mute all or some tracks in the stream: stop sending them to every peer. If kind is null,
   * all tracks will be muted. If kind is 'video' or 'audio', only tracks of the corresponding
   * kind will be muted. The local tracks stay live (a local preview keeps playing).
   *
   * @throws {@link RtcPoolError} `bad-kind` for any other kind
   */
  mute(kind?: MediaKind | null): void {
    for (const track of this.#ofKind(checkKind(kind))) this.#mutedTracks.add(track);
    this.#applyMutes();
  }

  /**
   * Unmute all or some tracks in the stream: send them to every peer again.
   *
   * @throws {@link RtcPoolError} `bad-kind` for a kind other than 'audio', 'video' or none
   */
  unmute(kind?: MediaKind | null): void {
    for (const track of this.#ofKind(checkKind(kind))) this.#mutedTracks.delete(track);
    this.#applyMutes();
  }

  /**
   * Whether every track of the kind (every track, if kind is null) is muted. False when there is
   * no such track.
   *
   * @throws {@link RtcPoolError} `bad-kind` for a kind other than 'audio', 'video' or none
   */
  muted(kind?: MediaKind | null): boolean {
    const tracks = this.#ofKind(checkKind(kind));
    return tracks.length > 0 && tracks.every((track) => this.#mutedTracks.has(track));
  }

  /**
   * Switch `oldTrack` for `newTrack` (another camera or microphone) on every peer, with no
   * renegotiation: each sender of `oldTrack` gets `newTrack` through `RTCRtpSender.replaceTrack`,
   * no offer goes on the wire, and peers that join later receive `newTrack`. Each receiver keeps
   * its remote MediaStream and track (same ids, same `track` event); only the frames change.
   *
   * A muted kind stays muted: the new track is held back until `unmute()`. The new track takes
   * the old one's place in {@link ManagedStream.tracks} and in each peer's {@link ManagedStream.getStream},
   * and `close()` will stop it. The old track is the app's again: it is not stopped (a local
   * preview may still show it), so stop it when the device is no longer needed.
   *
   * Calls take effect in the order they are made, with `mute()`, `unmute()` and peers joining:
   * the state changes at once, and each sender's `replaceTrack` calls run in call order.
   *
   * Resolves once every sender has switched. A sender whose connection closed meanwhile is
   * skipped (that peer receives nothing any more). If the engine refuses a sender of an open
   * connection, every other peer still switches, and the promise rejects with `replace-failed`
   * (`peer` says which); that peer keeps the old track until the next `mute()` or `unmute()`
   * asks again.
   *
   * @param oldTrack - one of {@link ManagedStream.tracks}
   * @param newTrack - a live track of the same kind, not already in the stream
   * @returns a Promise that rejects, changing nothing, with {@link RtcPoolError} `closed` on a closed
   * stream, `unknown-track` if `oldTrack` is not one of its tracks, `bad-argument` if `newTrack`
   * is not a live MediaStreamTrack or is already one of its tracks, `bad-kind` for a track of
   * another kind; and with `closed` if the stream closes before every sender switched
   *
   * @example
   * ```ts
   * const [camera] = shared.tracks.filter((track) => track.kind === 'video');
   * const next = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: id } } });
   * await shared.replaceTrack(camera!, next.getVideoTracks()[0]!);
   * camera!.stop(); // the old camera is the app's to stop
   * ```
   */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack): Promise<void> {
    try {
      checkReplacement(this.#liveTracks, oldTrack, newTrack, this.closed);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#liveTracks = this.#liveTracks.map((track) => (track === oldTrack ? newTrack : track));
    oldTrack.removeEventListener('ended', this.#onEnded);
    newTrack.addEventListener('ended', this.#onEnded);
    if (this.#mutedTracks.delete(oldTrack)) this.#mutedTracks.add(newTrack);
    const wanted = this.#mutedTracks.has(newTrack) ? null : newTrack;
    const switches: Array<Promise<RtcPoolError | null>> = [];
    for (const { connection, stream, senders } of this.#sending.values()) {
      const sender = senders.get(oldTrack);
      if (!sender) continue;
      senders.delete(oldTrack);
      senders.set(newTrack, sender);
      stream.removeTrack(oldTrack);
      stream.addTrack(newTrack);
      switches.push(this.#setTrack(connection, sender, wanted));
    }
    return Promise.all(switches).then((failures) => {
      if (this.closed) throw new RtcPoolError('closed', 'the ManagedStream closed before every peer switched tracks');
      const failure = failures.find((error) => error !== null);
      if (failure) throw failure;
    });
  }

  /** Whether the MediaStream sent to one of the peers has this id. */
  hasStream(id: string): boolean {
    return [...this.#sending.values()].some(({ stream }) => stream.id === id);
  }

  /** The MediaStream the peer `connId` receives the tracks in, or null. */
  getStream(connId: PeerId): MediaStream | null {
    return this.#sending.get(connId)?.stream ?? null;
  }

  /** The connection that receives the MediaStream with this id, or null. */
  getConnection(streamId: string): ManagedConnection | null {
    return [...this.#sending.values()].find(({ stream }) => stream.id === streamId)?.connection ?? null;
  }

  /**
   * Close the media stream: stop its tracks, stop sending them to every peer (their senders are
   * removed), and send nothing to peers that join later.
   */
  close(): void {
    if (this.closed) return;
    this.#subscription.unsubscribe();
    for (const { connection, senders } of this.#sending.values()) {
      for (const sender of senders.values()) {
        // a peer that left meanwhile has a closed connection: nothing to remove
        if (connection.state !== 'closed') connection.removeTrack(sender);
      }
    }
    this.#sending.clear();
    for (const track of this.#liveTracks) {
      track.removeEventListener('ended', this.#onEnded);
      track.stop();
    }
    this.#liveTracks = [];
    this.#mutedTracks.clear();
    this.#closedState.next(true);
    this.#closedState.complete();
    this.#muteState.complete();
    this.dispatchEvent(new CustomEvent('close', { detail: null }));
  }

  #send(connection: ManagedConnection): void {
    if (this.#sending.has(connection.id) || connection.state === 'closed') return;
    const stream = new MediaStream(this.#liveTracks);
    const senders = new Map<MediaStreamTrack, RTCRtpSender>();
    for (const track of this.#liveTracks) {
      const sender = connection.addTrack(track, stream);
      senders.set(track, sender);
      this.#asked.set(sender, track);
      if (this.#mutedTracks.has(track)) void this.#setTrack(connection, sender, null);
    }
    this.#sending.set(connection.id, { connection, stream, senders });
  }

  #applyMutes(): void {
    for (const { connection, senders } of this.#sending.values()) {
      for (const [track, sender] of senders) void this.#setTrack(connection, sender, this.#mutedTracks.has(track) ? null : track);
    }
    this.#muteState.next(this.#muteSummary());
  }

  /**
   * Asks `sender` to send `track` (null: nothing) unless that was the last thing it was asked.
   * Resolves with the error to report, or null: a sender that can no longer send (its connection
   * closed: `InvalidStateError`) needs nothing, so only a refusal on an open connection counts.
   */
  #setTrack(connection: ManagedConnection, sender: RTCRtpSender, track: MediaStreamTrack | null): Promise<RtcPoolError | null> {
    if (this.#asked.get(sender) === track) return Promise.resolve(null);
    this.#asked.set(sender, track);
    const watch = new Subscription();
    // Firefox never settles a replaceTrack whose connection closes before it ran: the close does
    const closed = new Promise<null>((resolve) => watch.add(connection.state$.subscribe({ next: (state) => state === 'closed' && resolve(null), complete: () => resolve(null) })));
    const replaced = sender.replaceTrack(track).then(
      () => null,
      (cause: unknown) => {
        if (connection.state === 'closed' || (cause as { name?: string } | null)?.name === 'InvalidStateError') return null;
        // the sender kept what it had: let the next mute() or unmute() ask again
        if (this.#asked.get(sender) === track) this.#asked.delete(sender);
        return new RtcPoolError('replace-failed', `the sender to ${connection.id} refused the new track`, { cause, peer: connection.id });
      },
    );
    return Promise.race([replaced, closed]).finally(() => watch.unsubscribe());
  }

  #ofKind(kind: MediaKind | null): MediaStreamTrack[] {
    return kind === null ? this.#liveTracks : this.#liveTracks.filter((track) => track.kind === kind);
  }

  #muteSummary(): MuteState {
    return { audio: this.muted('audio'), video: this.muted('video') };
  }

  readonly #onEnded = (): void => {
    this.#liveTracks = this.#liveTracks.filter((track) => track.readyState !== 'ended');
    for (const track of this.#mutedTracks) if (track.readyState === 'ended') this.#mutedTracks.delete(track);
    if (this.#liveTracks.length === 0) this.close();
  };
}

/** The 3.x `media` namespace. */
export const media = {
  /** {@link ManagedStream}, as 3.x code reaches it. */
  ManagedStream,
} as const;
