import fc from 'fast-check';

/** Baseline 2: fast-check's scheduler on the same workload (N tasks × M awaits, each await scheduled). */
export async function fastCheckHarness(tasks: number, awaits: number, executions: number, seed: number): Promise<number> {
  let steps = 0;
  await fc.assert(fc.asyncProperty(fc.scheduler(), async (s) => {
    const running: Promise<void>[] = [];
    for (let t = 0; t < tasks; t++) {
      running.push((async () => {
        for (let j = 0; j < awaits; j++) {
          await s.schedule(Promise.resolve());
          steps++;
        }
      })());
    }
    await s.waitFor(Promise.all(running));
  }), { numRuns: executions, seed });
  return steps;
}
