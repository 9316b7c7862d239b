import { expect } from 'chai';
import { BehaviorSubject, firstValueFrom, toArray } from 'rxjs';
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
});
