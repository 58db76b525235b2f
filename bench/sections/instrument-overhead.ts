import { PASSTHROUGH } from '../../src/instrument/passthrough.ts';
import { instrument } from '../../src/instrument/transform.ts';
import { sideBySide, type Section } from '../lib.ts';

// What the rewrite costs code that runs outside any exploration (the passthrough handle): a
// small CPU-bound workload, plain against rewritten, side by side. `work` is member-, Map- and
// private-field-heavy (every access becomes a handle call); `arith` is a loop on local numbers
// (almost nothing to report).

const WORKLOAD = `
class Inventory {
  #stock = new Map();
  total = 0;
  add(item, n) { this.#stock.set(item, (this.#stock.get(item) ?? 0) + n); this.total += n; }
  take(item) { const have = this.#stock.get(item) ?? 0; if (have > 0) { this.#stock.set(item, have - 1); this.total--; return true; } return false; }
}
let calls = 0;
function work(n) {
  const inv = new Inventory(); const log = { taken: 0, missed: 0, names: [] };
  for (let i = 0; i < n; i++) {
    calls++;
    const item = 'item' + (i % 16);
    if (i % 3 === 0) inv.add(item, 2);
    else if (inv.take(item)) log.taken++;
    else { log.missed++; log.names.push(item); if (log.names.length > 64) log.names.length = 0; }
  }
  const { taken, missed } = log;
  return taken + missed + inv.total;
}
function arith(n) { let s = 0; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; return s; }
return { work, arith };
`;

type Workload = Record<'work' | 'arith', (n: number) => number>;

export async function instrumentOverheadSection(): Promise<Section> {
  // Both compiled the same way (new Function), with the passthrough as the runtime the preamble finds.
  const global = { [Symbol.for('heddle.instrument')]: { module: () => PASSTHROUGH } };
  const rewritten = instrument(WORKLOAD, { url: 'file:///bench/workload.js', format: 'commonjs' }).code;
  const plain = new Function('globalThis', WORKLOAD)(global) as Workload;
  const instrumented = new Function('globalThis', rewritten)(global) as Workload;
  const rows: (string | number)[][] = [];
  for (const [fn, n] of [['work', 100_000], ['arith', 1_000_000]] as const) {
    if (plain[fn](1000) !== instrumented[fn](1000)) throw new Error(`[internal bug] the rewritten ${fn} computes something else`);
    const rates = await sideBySide([
      { label: 'plain', run: async () => (plain[fn](n), n) },
      { label: 'rewritten', run: async () => (instrumented[fn](n), n) },
    ], 9);
    rows.push([fn, 1e9 / rates.get('plain')!, 1e9 / rates.get('rewritten')!, rates.get('plain')! / rates.get('rewritten')!]);
  }
  return {
    title: 'Await and memory instrumentation: rewritten code with the passthrough runtime ÷ plain',
    columns: ['workload', 'plain µs per 1,000 iterations', 'rewritten', 'slowdown'],
    rows,
    notes: ['work: Map, private field, member and captured-counter accesses in a loop; arith: a loop on local numbers'],
  };
}
