import type { Execution } from '../../scheduler/execution.ts';
import { scenarioExecution } from './context.ts';
import type { Patches } from './patch.ts';

/**
 * What `Date.now()` reads at virtual time 0 of every execution: 2026-01-01T00:00:00.000Z. A fixed
 * date rather than today's, so that a failure replays with the very same dates.
 */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);

// Whole milliseconds, as Date has: a timer of 1.5 ms may leave virtual time fractional.
const epochMs = (ex: Execution): number => VIRTUAL_EPOCH + Math.floor(ex.now);

type HrTime = [number, number];

/**
 * Installs a clock that reads the execution's virtual time: `Date.now()`, `new Date()`, `Date()`,
 * `performance.now()` and `process.hrtime()` / `process.hrtime.bigint()`. Virtual time starts at
 * 0 and moves only when the scheduler lets it pass (a timer or sleep comes due), so a 61-second
 * sleep moves the clock by exactly 61,000 ms and expiry code can be checked unmodified.
 *
 * `Date` is replaced by a function sharing Date's prototype, so `instanceof Date`, dates made
 * before the execution, `Date.UTC`, `Date.parse`, `new Date(x)` and subclasses keep working.
 * A `Date` constructor captured before the execution still makes wall-clock dates with no
 * arguments; its `now()` is virtual (the static is patched on the real constructor).
 */
export function installClock(patches: Patches): void {
  const RealDate = Date;
  const realNow = Date.now;
  const perf = globalThis.performance;
  const realPerformanceNow = perf.now;
  const realHrtime = process.hrtime;

  function VirtualDate(this: unknown, ...args: unknown[]): unknown {
    // Date() as a function ignores its arguments and returns the current time as a string.
    const ex = new.target === undefined || args.length === 0 ? scenarioExecution() : null;
    if (new.target === undefined) return ex === null ? RealDate() : new RealDate(epochMs(ex)).toString();
    return Reflect.construct(RealDate, ex === null ? args : [epochMs(ex)], new.target);
  }
  Object.setPrototypeOf(VirtualDate, RealDate); // statics (UTC, parse, now) are Date's own
  Object.defineProperty(VirtualDate, 'prototype', { value: RealDate.prototype, writable: false });
  Object.defineProperty(VirtualDate, 'name', { value: 'Date' });
  Object.defineProperty(VirtualDate, 'length', { value: RealDate.length });

  const hrtime = Object.assign(function hrtime(previous?: HrTime): HrTime {
    const ex = scenarioExecution();
    if (ex === null) return realHrtime(previous);
    const ns = Math.round(ex.now * 1e6);
    let seconds = Math.floor(ns / 1e9);
    let nanos = ns % 1e9;
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }, {
    bigint(): bigint {
      const ex = scenarioExecution();
      return ex === null ? realHrtime.bigint() : BigInt(Math.round(ex.now * 1e6));
    },
  });

  patches.shadow(globalThis, 'Date', VirtualDate);
  patches.shadow(RealDate.prototype, 'constructor', VirtualDate);
  patches.shadow(RealDate, 'now', function now(): number {
    const ex = scenarioExecution();
    return ex === null ? realNow() : epochMs(ex);
  });
  // Milliseconds since the execution began, as performance.now() counts from the process start.
  patches.shadow(perf, 'now', function now(): number {
    const ex = scenarioExecution();
    return ex === null ? realPerformanceNow.call(perf) : ex.now;
  });
  patches.shadow(process, 'hrtime', hrtime);
}
