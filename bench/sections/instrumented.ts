import { explore, type Scenario } from 'heddle';
import { registerInstrumentation } from '../../src/instrument/register.ts';
import { sideBySide, type Section } from '../lib.ts';

// Plain async code, instrumented by the loader, against the same workload written with heddle's
// primitives (also loaded through the loader): steps per second under random exploration.

export async function instrumentedSection(): Promise<Section> {
  registerInstrumentation();
  const { plain, primitives, TASKS, AWAITS } = (await import('../workloads/awaits.ts')) as {
    plain: Scenario; primitives: Scenario; TASKS: number; AWAITS: number;
  };
  const execs = 300;
  const steps = async (s: Scenario) => (await explore(s, { strategy: 'random', iterations: execs })).stepsRun;
  const rates = await sideBySide([
    { label: 'heddle primitives (Shared.update, spawn)', run: () => steps(primitives) },
    { label: 'plain code (a plain object, await, Promise.all)', run: () => steps(plain) },
  ]);
  const [prim, plainRate] = [...rates.values()];
  return {
    title: `Instrumented plain awaits vs primitives (${TASKS} strands × ${AWAITS} awaits per execution, random)`,
    columns: ['workload', 'steps/s', '÷ primitives', 'goal'],
    rows: [...rates].map(([label, rate], i) => [label, rate, rate / prim!, i === 1 ? '≥ 0.50' : '']),
    notes: [`plain code runs at ${(plainRate! / prim!).toFixed(2)} of the primitives' steps/s.`],
  };
}
