import { performance } from 'node:perf_hooks';

/** One table of a benchmark report. */
export interface Section {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes?: readonly string[];
}

export interface Contender {
  readonly label: string;
  /** Runs the workload once and returns how many units (steps, executions) it did. */
  readonly run: () => Promise<number>;
}

/**
 * Measures contenders side by side: rounds alternate between them (so a noisy neighbour slows
 * all alike) after one warm-up each, and each rate is the median over rounds.
 */
export async function sideBySide(contenders: readonly Contender[], rounds = 5): Promise<Map<string, number>> {
  for (const c of contenders) await c.run();
  const rates = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const t0 = performance.now();
      const units = await c.run();
      rates.get(c.label)!.push((units / (performance.now() - t0)) * 1000);
    }
  }
  return new Map([...rates].map(([label, xs]) => [label, median(xs)]));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) || n >= 100) return Math.round(n).toLocaleString('en');
  return n.toFixed(2);
}

export function renderSection(s: Section): string {
  const cells = [s.columns, ...s.rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = s.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]) => '| ' + r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ') + ' |';
  return [`### ${s.title}`, '', line(s.columns), '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |',
    ...cells.slice(1).map(line), ...(s.notes ?? []).map((n) => `\n${n}`)].join('\n');
}
