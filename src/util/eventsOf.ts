import { Observable } from 'rxjs';

/**
 * The `type` events of an EventTarget, each passed through `project`, as an Observable that adds
 * its listener on subscribe and removes it on unsubscribe. rxjs's `fromEvent` with `map` does the
 * same for every kind of emitter (DOM, Node, jQuery), telling them apart on each subscribe; this
 * runs several times for every peer connection while a mesh sets up, on the page's one thread,
 * so it is the plain listener alone.
 */
export function eventsOf<T>(target: EventTarget, type: string, project: (event: Event) => T): Observable<T> {
  return new Observable<T>((subscriber) => {
    const listener = (event: Event): void => subscriber.next(project(event));
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  });
}
