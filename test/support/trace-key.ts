import { dependent, type DporEvent } from '../../scheduler/dependence.ts';

/**
 * A canonical name for the trace of an execution: its lexicographically least equivalent order,
 * under heddle's own dependence (for comparing a split search with the unsplit one; the
 * independent oracle is test/support/oracle).
 */
export function traceKey(events: readonly DporEvent[]): string {
  const left = events.map((_, i) => i);
  const out: number[] = [];
  while (left.length > 0) {
    let best = -1;
    for (const i of left) {
      const blocked = left.some((k) => k < i && dependent(events[k]!, events[i]!));
      if (!blocked && (best < 0 || events[i]!.task < events[best]!.task)) best = i;
    }
    out.push(events[best]!.task);
    left.splice(left.indexOf(best), 1);
  }
  return out.join(',');
}
