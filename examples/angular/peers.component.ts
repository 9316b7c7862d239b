// An Angular component that renders the peers of a room with the async pipe.
import { AsyncPipe } from '@angular/common';
import { Component, type OnDestroy } from '@angular/core';
import { Pool, signalling } from 'rtcpool';
import { map } from 'rxjs';

@Component({
  selector: 'app-peers',
  standalone: true,
  imports: [AsyncPipe],
  template: `
    <p>{{ state$ | async }}</p>
    <ul>
      @for (peer of peers$ | async; track peer.id) {
        <li>{{ peer.name }}</li>
      }
    </ul>
  `,
})
export class PeersComponent implements OnDestroy {
  private readonly pool = new Pool({ iceServers: [] }, new signalling.websocket(`${location.origin.replace(/^http/, 'ws')}/signal`));

  /** new, joining, joined, reconnecting… */
  readonly state$ = this.pool.state$;
  /** One entry per peer, with the name the server gave it. */
  readonly peers$ = this.pool.connections$.pipe(
    map((connections) => connections.map((c) => ({ id: c.id, name: String(c.description?.['name'] ?? c.id) }))),
  );

  constructor() {
    this.pool.join('room').catch((error) => console.warn('could not join', error));
  }

  ngOnDestroy(): void {
    this.pool.close();
  }
}
