import { Observable, type Subscriber } from 'rxjs';

/**
 * The `type` events of an EventTarget, as an Observable: each subscription makes its listener
 * with `listenerFor` (which may keep state of its own and emit, skip, or complete), adds it, and
 * removes it on unsubscribe. rxjs's `fromEvent` with operators does the same for every kind of
 * emitter (DOM, Node, jQuery), telling them apart on each subscribe, and builds a subscriber per
 * operator; this runs several times for every peer connection while a mesh sets up, on the
 * page's one thread, so it is the plain listener alone.
 */
export function eventsOf<T>(target: EventTarget, type: string, listenerFor: (subscriber: Subscriber<T>) => (event: Event) => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    const listener = listenerFor(subscriber);
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  });
}
