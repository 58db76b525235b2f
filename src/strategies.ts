import { PctStrategy } from '../scheduler/strategies/pct.ts';
import { PortfolioStrategy } from '../scheduler/strategies/portfolio.ts';
import { PosStrategy } from '../scheduler/strategies/pos.ts';
import { RandomStrategy } from '../scheduler/strategies/random.ts';
import type { Strategy } from '../scheduler/strategy.ts';

export const STRATEGY_NAMES = ['portfolio', 'random', 'pct', 'pos'] as const;
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
}

export function makeStrategy(name: StrategyName, options: StrategyOptions): Strategy {
  const { seed } = options;
  switch (name) {
    case 'random':
      return new RandomStrategy(seed);
    case 'pct':
      return new PctStrategy(seed, options.depth ?? 3);
    case 'pos':
      return new PosStrategy(seed);
    case 'portfolio':
      // Random for shallow bugs, PCT at two depths for ordering bugs, POS for rare orderings
      // hidden among independent work. Each member runs every fourth execution.
      return new PortfolioStrategy([
        { label: 'random', strategy: new RandomStrategy(seed) },
        { label: `pct`, strategy: new PctStrategy(seed, options.depth ?? 3) },
        { label: 'pos', strategy: new PosStrategy(seed) },
        { label: 'pct', strategy: new PctStrategy(`${seed}:d2`, 2) },
      ]);
  }
}
