import { Observable, type BehaviorSubject } from 'rxjs';

/**
 * A state stream: it replays the subject's current value to every subscriber, even one that
 * comes after the subject completed (a completed BehaviorSubject alone replays nothing), and
 * then follows the subject.
 */
export function replayState<T>(subject: BehaviorSubject<T>): Observable<T> {
  // plain code, not defer/concat/of/skip: those four operators were in every bundle for this alone
  return new Observable<T>((subscriber) => {
    subscriber.next(subject.value);
    if (subscriber.closed) return;
    // the subject replays its value on subscribe too, at once: drop that copy of the value just emitted
    let following = false;
    const subscription = subject.subscribe({
      next: (value) => following && subscriber.next(value),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    following = true;
    return subscription;
  });
}
