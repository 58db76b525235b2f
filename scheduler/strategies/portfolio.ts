import { skipExecution, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import type { ExecutionResult, TaskId } from '../types.ts';

const prepare = (member: SearchStrategy): boolean => member.newExecution();

/**
 * Runs several strategies in turn over one iteration budget (Coyote and Shuttle do the same):
 * no single strategy is best on every bug. Execution i goes to member i mod n; `activeName`
 * says which member ran the current execution, so a failure names the strategy that found it.
 */
export class PortfolioStrategy implements SearchStrategy {
  readonly name = 'portfolio';
  private turn = -1;

  constructor(private readonly members: readonly { label: string; strategy: SearchStrategy }[]) {
    if (members.length === 0) throw new RangeError('a portfolio needs at least one strategy');
  }

  private get active(): { label: string; strategy: SearchStrategy } {
    return this.members[this.turn % this.members.length]!;
  }

  get activeName(): string {
    return this.active.label;
  }

  get executionSeed(): string | undefined {
    return this.active.strategy.executionSeed;
  }

  get rerunFlags(): readonly string[] | undefined {
    return this.active.strategy.rerunFlags;
  }

  newExecution(): boolean {
    return this.advance(prepare);
  }

  skipExecution(): boolean {
    return this.advance(skipExecution);
  }

  private advance(next: (member: SearchStrategy) => boolean): boolean {
    // A member whose search is over (an exhaustive one) drops out of the rotation.
    for (let tries = 0; tries < this.members.length; tries++) {
      this.turn++;
      if (next(this.active.strategy)) return true;
    }
    return false;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    return this.active.strategy.nextTask(ctx);
  }

  nextRandom(): number {
    return this.active.strategy.nextRandom();
  }

  endExecution(result: ExecutionResult): void {
    this.active.strategy.endExecution?.(result);
  }
}
