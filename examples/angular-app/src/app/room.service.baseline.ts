// NOT the recipe: the bundle-size baseline of bench/angularBundle.ts. The `baseline` build
// configuration (angular.json, `ng build -c production,baseline`) swaps room.service.ts for this
// file, so the same app is built with the recipe's rtcpool parts taken out and the difference
// between the two builds is what rtcpool (and the rxjs only it pulls in) costs an app.
// Same public surface as RoomService, made of plain rxjs values. The rtcpool import is
// type-only: TypeScript erases it, and the bench checks that no rtcpool module is in this build.
import { Injectable } from '@angular/core';
import type { JoinResult, ManagedConnection, PoolState } from 'rtcpool';
import { BehaviorSubject, of, type Observable } from 'rxjs';

/** RoomService's stand-in for the baseline build: a room that never joins. */
@Injectable({ providedIn: 'root' })
export class RoomService {
  private readonly state = new BehaviorSubject<PoolState>('new');

  /** Always 'new': there is no pool. */
  readonly state$: Observable<PoolState> = this.state.asObservable();
  /** Always empty: there is no pool. */
  readonly connections$: Observable<ManagedConnection[]> = of([]);

  /** Rejects: the baseline has no pool to join with. */
  join(room: string): Promise<JoinResult> {
    return Promise.reject(new Error(`baseline build: no pool to join ${room}`));
  }
}
