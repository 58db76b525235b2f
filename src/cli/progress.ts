import { performance } from 'node:perf_hooks';
import { plural } from '../report/plural.ts';

/** Searches shorter than this print no progress at all. */
const QUIET_MS = 1000;
const EVERY_MS = 250;

/**
 * A progress line on stderr for long searches, only on a TTY and never in CI: schedules run,
 * rate, and elapsed time, rewritten in place and erased when the search ends.
 */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private shown = false;

  constructor(private readonly label: string, private readonly enabled: boolean) {}

  static forTerminal(label: string): Progress {
    return new Progress(label, process.stderr.isTTY === true && !process.env.CI);
  }

  /** Called after each execution; cheap when there is nothing to print. */
  tick(schedules: number): void {
    if (!this.enabled || (schedules & 63) !== 0) return;
    const now = performance.now();
    const elapsed = now - this.started;
    if (elapsed < QUIET_MS || now - this.last < EVERY_MS) return;
    this.last = now;
    this.shown = true;
    const rate = Math.round((schedules / elapsed) * 1000);
    process.stderr.write(`\r\x1b[K  ${this.label}: ${plural(schedules, 'schedule')}, ` +
      `${rate.toLocaleString('en')}/s, ${(elapsed / 1000).toFixed(1)} s`);
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}
