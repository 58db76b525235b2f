import { DfsStrategy } from '../scheduler/strategies/dfs.ts';
import { dporSearch } from '../scheduler/strategies/dpor-split.ts';
import { PctStrategy } from '../scheduler/strategies/pct.ts';
import { PortfolioStrategy } from '../scheduler/strategies/portfolio.ts';
import { PosStrategy } from '../scheduler/strategies/pos.ts';
import { RandomStrategy } from '../scheduler/strategies/random.ts';
import type { PartRun } from '../scheduler/strategies/dpor-split.ts';
import type { SearchStrategy } from '../scheduler/strategy.ts';

export const STRATEGY_NAMES = ['portfolio', 'random', 'pct', 'pos', 'dfs', 'dpor'] as const;

/** Strategies that enumerate a space instead of sampling it: no iteration budget by default. */
export const EXHAUSTIVE: readonly StrategyName[] = ['dfs', 'dpor'];
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** The strategy `check` and `explore` use when none is named. */
export const DEFAULT_STRATEGY: StrategyName = 'portfolio';

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

export interface StrategyOptions {
  readonly seed: string;
  /** PCT bug depth d: d−1 priority change points (default 3). */
  readonly depth?: number;
  /** DFS: at most this many preemptions per schedule (default: iterative deepening). */
  readonly preemptionBound?: number;
  /** DFS, DPOR: explore only this slice of the search tree. */
  readonly slice?: { readonly index: number; readonly count: number };
  /** DPOR: explore this part of a search split among worker threads (src/parallel/split.ts). */
  readonly part?: PartRun;
  /** DPOR: treat every two steps of different tasks as dependent (code with state heddle cannot see). */
  readonly conservative?: boolean;
}

export function makeStrategy(name: StrategyName, options: StrategyOptions): SearchStrategy {
  const { seed } = options;
  switch (name) {
    case 'random':
      return new RandomStrategy(seed);
    case 'pct':
      return new PctStrategy(seed, options.depth ?? 3);
    case 'pos':
      return new PosStrategy(seed);
    case 'dfs':
      return new DfsStrategy({
        seed, ...(options.preemptionBound !== undefined ? { preemptionBound: options.preemptionBound } : {}),
        ...(options.slice !== undefined ? { slice: options.slice } : {}),
      });
    case 'dpor':
      return dporSearch(options.slice, options.conservative ?? false, seed, options.part);
    case 'portfolio':
      // Random for shallow bugs, PCT at two depths for ordering bugs, POS for rare orderings
      // hidden among independent work. Each member runs every fourth execution.
      return new PortfolioStrategy([
        { label: 'random', strategy: new RandomStrategy(seed) },
        { label: `pct`, strategy: new PctStrategy(seed, options.depth ?? 3) },
        { label: 'pos', strategy: new PosStrategy(seed) },
        // Its own seeds (a whole number, so that `--strategy pct --depth 2 --seed` reruns one).
        { label: 'pct', strategy: new PctStrategy(String((Number(seed) + 0x9e3779b9) % Number.MAX_SAFE_INTEGER), 2) },
      ]);
  }
}
