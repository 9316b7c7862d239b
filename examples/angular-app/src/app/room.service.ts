// The pool behind an injectable service: a test provides POOL_FACTORY to hand it a TestHub pool,
// and the pool is made only when the browser asks to join, so server-side rendering never
// touches location, WebSocket or RTCPeerConnection.
import { DestroyRef, inject, Injectable, InjectionToken } from '@angular/core';
import { Pool, signalling, type JoinResult, type ManagedConnection, type PoolState } from 'rtcpool';
import { BehaviorSubject, of, switchMap, type Observable } from 'rxjs';

/** Makes the app's pool; called in the browser only, at the first join. */
export const POOL_FACTORY = new InjectionToken<() => Pool>('rtcpool: the pool factory', {
  providedIn: 'root',
  factory: () => () => new Pool({ iceServers: [] }, new signalling.websocket(`${location.origin.replace(/^http/, 'ws')}/signal`)),
});

/** The app's room: the pool's state and connections as streams, and `join()`. */
@Injectable({ providedIn: 'root' })
export class RoomService {
  private readonly makePool = inject(POOL_FACTORY);
  private readonly pool$ = new BehaviorSubject<Pool | null>(null);

  /** new, joining, joined, reconnecting… ('new' until the pool exists). */
  readonly state$: Observable<PoolState> = this.pool$.pipe(switchMap((pool) => pool?.state$ ?? of<PoolState>('new')));
  /** One connection per peer; re-emits as peers come, go and change their description. */
  readonly connections$: Observable<ManagedConnection[]> = this.pool$.pipe(switchMap((pool) => pool?.connections$ ?? of([])));

  constructor() {
    inject(DestroyRef).onDestroy(() => this.pool$.value?.close());
  }

  /** Makes the pool (once) and joins `room`; rejects with the pool's RtcPoolError. */
  join(room: string): Promise<JoinResult> {
    try {
      const pool = this.pool$.value ?? this.makePool();
      this.pool$.next(pool);
      return pool.join(room);
    } catch (error) {
      // `unsupported` where there is no WebRTC (jsdom without a Node peer class), `already-joined`…
      return Promise.reject(error);
    }
  }
}
