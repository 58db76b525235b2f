import { performance } from 'node:perf_hooks';
import { explore, type ChoiceContext, type Scenario, type SearchStrategy } from '../../src/index.ts';
import { makeStrategy } from '../../src/strategies.ts';
import { filesystem, indexer, lastzero, readers } from '../../scenarios/benchmarks/programs.ts';
import { median, type Section } from '../lib.ts';
import { Observing } from '../../test/support/observing.ts';
import type { TaskId } from '../../scheduler/types.ts';

/** Runs given schedules and nothing else: the program's own share of a search. */
class Following implements SearchStrategy {
  readonly name = 'replay';
  private at = -1;
  constructor(private readonly schedules: readonly (readonly TaskId[])[]) {}
  get complete() { return false; }
  newExecution() { return ++this.at < this.schedules.length; }
  nextTask(ctx: ChoiceContext) { return this.schedules[this.at]![ctx.step]!; }
  nextRandom() { return 0; }
}

async function timed(s: Scenario, strategy: SearchStrategy): Promise<number> {
  const t0 = performance.now();
  await explore(s, { strategyInstance: strategy, shrink: false, iterations: 1e9 });
  return performance.now() - t0;
}

/**
 * How much of a DPOR search is running the program: the search against the same executions run
 * again by a strategy that only follows their schedules. Work sharing that keeps the wakeup trees
 * with one owner (the coordinator inserts every race, in the search's order) can run only the
 * rest in parallel: with two workers it is at best 1 / (1 − share + share / 2) times as fast.
 */
export async function dporShareSection(rounds = 3): Promise<Section> {
  const programs: [string, Scenario][] = [['lastzero(10)', lastzero(10)], ['readers(12)', readers(12)],
    ['filesystem(18)', filesystem(18)], ['indexer(13)', indexer(13)]];
  const rows: (string | number)[][] = [];
  for (const [label, s] of programs) {
    const search: number[] = [];
    const follow: number[] = [];
    let executions = 0;
    for (let r = 0; r < rounds; r++) {
      const schedules: TaskId[][] = [];
      const recording = new Observing(makeStrategy('dpor', { seed: '1' }), (e) => void schedules.push([...e.schedule.choices]), { lookaheads: true });
      search.push(await timed(s, recording));
      executions = schedules.length;
      follow.push(await timed(s, new Following(schedules)));
    }
    const share = median(follow) / median(search);
    rows.push([label, executions, Math.round(median(search)), Math.round(median(follow)), `${Math.round(share * 100)}%`,
      1 / (1 - share + share / 2), '≥ 1.8x']);
  }
  return {
    title: `DPOR: the program's share of a search (medians of ${rounds} rounds)`,
    columns: ['program', 'executions', 'search (ms)', 'following its schedules (ms)', 'program share', 'cap on 2 workers with one tree owner', 'goal'],
    rows,
    notes: ['"Following its schedules" runs the search\'s executions again (look-aheads included) with a strategy that only ' +
      'replays their choices: the program\'s own cost. The rest — choosing under sleep sets, finding races, naming ' +
      'objects, inserting into the wakeup trees — is the search\'s own; with one owner of the trees, which inserts ' +
      'every race in the search\'s order, only the program and the race finding could run on other threads, so ' +
      'dynamic work sharing stays far below the goal (docs/benchmarks.md). Independent subtrees (TruSt\'s fixed ' +
      'parents) are the way to it.'],
  };
}
