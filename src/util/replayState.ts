import { concat, defer, of, skip, type BehaviorSubject, type Observable } from 'rxjs';

/**
 * A state stream: it replays the subject's current value to every subscriber, even one that
 * comes after the subject completed (a completed BehaviorSubject alone replays nothing), and
 * then follows the subject.
 */
export function replayState<T>(subject: BehaviorSubject<T>): Observable<T> {
  // the subject replays its value on subscribe too: skip that copy of the value just emitted
  return defer(() => concat(of(subject.value), subject.pipe(skip(1))));
}
