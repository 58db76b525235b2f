import { RandomStrategy } from '../scheduler/strategies/random.ts';
import type { Strategy } from '../scheduler/strategy.ts';

export const STRATEGY_NAMES = ['random'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

export interface StrategyOptions {
  readonly seed: string;
}

export function makeStrategy(name: StrategyName, seed: string): Strategy {
  switch (name) {
    case 'random':
      return new RandomStrategy(seed);
  }
}
