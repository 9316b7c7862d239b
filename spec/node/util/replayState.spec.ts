import { expect } from 'chai';
import { BehaviorSubject, firstValueFrom, take, toArray } from 'rxjs';
import { replayState } from '../../../src/util/replayState';

describe('replayState', () => {
  it('replays the current value once, then follows the subject', () => {
    const subject = new BehaviorSubject('a');
    const seen: string[] = [];
    replayState(subject).subscribe((value) => seen.push(value));
    subject.next('b');
    expect(seen).to.deep.equal(['a', 'b']);
  });

  it('replays the final value to a subscriber that comes after completion', async () => {
    const subject = new BehaviorSubject('open');
    subject.next('closed');
    subject.complete();
    expect(await firstValueFrom(replayState(subject).pipe(toArray()))).to.deep.equal(['closed']);
  });

  it('leaves the subject alone when the subscriber wants only the current value', () => {
    const subject = new BehaviorSubject('a');
    const seen: string[] = [];
    replayState(subject).pipe(take(1)).subscribe((value) => seen.push(value));
    expect(seen).to.deep.equal(['a']);
    expect(subject.observed).to.equal(false);
  });

  it('stops following the subject on unsubscribe', () => {
    const subject = new BehaviorSubject('a');
    const seen: string[] = [];
    const subscription = replayState(subject).subscribe((value) => seen.push(value));
    subscription.unsubscribe();
    subject.next('b');
    expect(seen).to.deep.equal(['a']);
    expect(subject.observed).to.equal(false);
  });
});
