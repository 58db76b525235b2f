/**
 * The order keys of the executions a slice of a split search counted, as runs of an arithmetic
 * progression, flattened: [first, stride, n, first, stride, n, …]. Keys ascend within a slice
 * (see Strategy.executionIndex), and a slice's counted keys form few runs (a sampling slice's
 * are one progression; DPOR's break only at pruned executions), so the list stays short while
 * it tells how many counted executions of a slice come before any key.
 */
export class OrderRuns {
  private readonly runs: number[] = [];

  add(key: number): void {
    const r = this.runs;
    const at = r.length - 3;
    if (at >= 0) {
      const first = r[at]!;
      const n = r[at + 2]!;
      if (n === 1 && key >= first) {
        r[at + 1] = key - first;
        r[at + 2] = 2;
        return;
      }
      if (key === first + r[at + 1]! * n) {
        r[at + 2] = n + 1;
        return;
      }
    }
    r.push(key, 0, 1);
  }

  get list(): readonly number[] {
    return this.runs;
  }
}

/** How many keys of `runs` (an OrderRuns list) are at most `key`. */
export function countAtMost(runs: readonly number[], key: number): number {
  let count = 0;
  for (let at = 0; at + 2 < runs.length; at += 3) {
    const first = runs[at]!;
    const stride = runs[at + 1]!;
    const n = runs[at + 2]!;
    if (key < first) continue;
    count += stride === 0 ? n : Math.min(n, Math.floor((key - first) / stride) + 1);
  }
  return count;
}
