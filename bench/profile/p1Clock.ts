// Loaded into the bench page just before bench/page/bench.ts (bench/profile/p1Profile.ts serves
// both): marks at the edges of a case's clock. While armed, the case's two performance.now() calls
// (clock start, clock stop) each make a synchronous request to /mark, outside the clock: the runner
// reads the page's main-thread CPU time while the thread is blocked there, and holds the reply a
// few ms so that the CPU profile shows the block as samples under __p1ClockStart and __p1ClockStop.
// Armed to pause instead, each edge stops at a `debugger` statement, where the runner (with the
// Debugger domain on) takes V8's coverage counts and resumes the page.
// Every P1 case of bench.ts calls performance.now() exactly twice, and neither rtcpool, rxjs nor
// 3.0.2 calls it at all; a case that did would be left out of the in-clock figures, not misread.

const nativeNow = performance.now.bind(performance);
let pause = false;
const mark = (which: 'start' | 'stop'): void => {
  if (pause) {
    // the runner's breakpoint at the clock's edge
    debugger;
    return;
  }
  const request = new XMLHttpRequest();
  request.open('GET', `/mark?${which}`, false);
  request.send();
};
// named functions: the runner finds the clock's edges in the profile by these names
function __p1ClockStart(): void {
  mark('start');
}
function __p1ClockStop(): void {
  mark('stop');
}
let armed = false;
let calls = 0;
performance.now = function now(): number {
  if (!armed) return nativeNow();
  calls += 1;
  if (calls === 1) {
    __p1ClockStart();
    return nativeNow();
  }
  const t = nativeNow();
  if (calls === 2) __p1ClockStop();
  return t;
};

/** The runner's handle on the marks, as `globalThis.p1Clock` in the page. */
export const p1Clock = {
  /**
   * Marks the next two performance.now() calls: the case's clock start and stop, with a request
   * to /mark (`mark`) or a `debugger` statement (`pause`).
   */
  arm(how: 'mark' | 'pause' = 'mark'): void {
    armed = true;
    pause = how === 'pause';
    calls = 0;
  },
  /** How many performance.now() calls the case made while armed: anything but 2 leaves the clock's window unknown. */
  disarm(): number {
    armed = false;
    return calls;
  },
};
Object.assign(globalThis, { p1Clock });
