import seedrandom from 'seedrandom';

/**
 * Baseline 1: the smallest cooperative async scheduler that can explore interleavings. A task
 * that yields parks its resolver; the scheduler synchronously resumes one seeded-random parked
 * task. One promise per step and nothing else — the practical ceiling for any checker that
 * runs real async functions.
 */
export async function bareHarness(tasks: number, awaits: number, executions: number, seed: string): Promise<number> {
  const rng = seedrandom.alea(seed);
  let steps = 0;
  for (let e = 0; e < executions; e++) {
    const parked: (() => void)[] = [];
    let live = tasks;
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const pick = () => {
      if (parked.length === 0) return;
      const i = Math.floor(rng() * parked.length);
      const next = parked[i]!;
      parked[i] = parked[parked.length - 1]!;
      parked.pop();
      steps++;
      next();
    };
    const yieldPoint = () => new Promise<void>((resolve) => {
      parked.push(resolve);
      pick();
    });
    const body = async () => {
      for (let j = 0; j < awaits; j++) await yieldPoint();
      live--;
      if (live === 0) finished();
      else pick();
    };
    for (let t = 0; t < tasks; t++) parked.push(() => void body());
    pick();
    await done;
  }
  return steps;
}
