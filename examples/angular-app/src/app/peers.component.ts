// A standalone component that renders the room with the async pipe; it joins on a click, in the
// browser, so it renders on the server as an empty room.
import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { map } from 'rxjs';
import { RoomService } from './room.service';

@Component({
  selector: 'app-peers',
  imports: [AsyncPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <input #room aria-label="room" value="lobby" />
    <button type="button" (click)="join(room.value)">Join</button>
    <p class="state">{{ room$.state$ | async }}</p>
    @if (failure()) {
      <p class="error">{{ failure() }}</p>
    }
    <ul>
      @for (peer of peers$ | async; track peer.id) {
        <li>{{ peer.name }}</li>
      }
    </ul>
  `,
})
export class PeersComponent {
  protected readonly room$ = inject(RoomService);
  /** One entry per peer, with the name the server gave it. */
  protected readonly peers$ = this.room$.connections$.pipe(
    map((connections) => connections.map((c) => ({ id: c.id, name: String(c.description?.['name'] ?? c.id) }))),
  );
  protected readonly failure = signal('');

  protected join(room: string): void {
    this.failure.set('');
    this.room$.join(room).catch((error: unknown) => this.failure.set(String(error)));
  }
}
