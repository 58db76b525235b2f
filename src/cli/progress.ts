import { performance } from 'node:perf_hooks';
import { Caveat } from '../explore.ts';
import { plural } from '../report/plural.ts';

/** Searches shorter than this print no progress at all. */
const QUIET_MS = 1000;
const EVERY_MS = 250;
/** Without a terminal (a log, CI): a plain line after this long, then one every LINE_EVERY_MS. */
const FIRST_LINE_MS = 10_000;
const LINE_EVERY_MS = 30_000;

const REASONS: readonly [number, string][] = [
  [Caveat.Draws, 'it draws random() values, and an exhaustive search runs one value per draw, not every value'],
  [Caveat.Uncontrolled, 'it did something heddle does not control (listed at the end)'],
];

/**
 * Progress of a search on stderr: on a terminal, a line rewritten in place (schedules run, rate,
 * elapsed time) and erased when the search ends; without one (a log, CI), a plain line after
 * ten seconds and every thirty, so that no search is silent for minutes. Either way, as soon as
 * the search learns it cannot be a proof, one note says why.
 */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private shown = false;
  private noted = 0;

  constructor(private readonly label: string, private readonly terminal: boolean, private readonly write: (text: string) => void) {}

  static forTerminal(label: string): Progress {
    return new Progress(label, process.stderr.isTTY === true && !process.env.CI, (text) => process.stderr.write(text));
  }

  /** Called after each execution; cheap when there is nothing to print. */
  tick(schedules: number, caveats = 0): void {
    if ((caveats & ~this.noted) !== 0) this.note(caveats);
    if ((schedules & 63) !== 0) return;
    const now = performance.now();
    const elapsed = now - this.started;
    if (this.terminal) {
      if (elapsed < QUIET_MS || now - this.last < EVERY_MS) return;
    } else if (this.last === 0 ? elapsed < FIRST_LINE_MS : now - this.last < LINE_EVERY_MS) {
      return;
    }
    this.last = now;
    const rate = Math.round((schedules / elapsed) * 1000);
    const line = `  ${this.label}: ${plural(schedules, 'schedule')}, ${rate.toLocaleString('en')}/s, ${(elapsed / 1000).toFixed(1)} s`;
    if (this.terminal) {
      this.shown = true;
      this.write(`\r\x1b[K${line}`);
    } else {
      this.write(`${line} (still exploring)\n`);
    }
  }

  private note(caveats: number): void {
    const fresh = REASONS.filter(([bit]) => (caveats & bit) !== 0 && (this.noted & bit) === 0).map(([, why]) => why);
    this.noted |= caveats;
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
    this.write(`  note: ${this.label} cannot be proved by this search: ${fresh.join('; ')}\n`);
  }

  done(): void {
    if (this.shown) this.write('\r\x1b[K');
  }
}
