import type { ChoiceContext, Strategy } from '../strategy.ts';
import type { TaskId } from '../types.ts';

/** A run of consecutive steps by one task. */
export interface Block {
  readonly task: TaskId;
  readonly steps: number;
}

/** Splits a choice list into runs of one task. */
export function toBlocks(choices: readonly TaskId[]): Block[] {
  const blocks: Block[] = [];
  for (const task of choices) {
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last.task === task) blocks[blocks.length - 1] = { task, steps: last.steps + 1 };
    else blocks.push({ task, steps: 1 });
  }
  return blocks;
}

/**
 * Follows a list of blocks leniently, for shrinking: a block whose task cannot run is cut short
 * and the next block starts; once the list is used up, the running task keeps going while it
 * can (no new preemptions) and otherwise the lowest runnable task goes. Any list of blocks
 * therefore gives some complete execution, never a divergence.
 */
export class GuidedStrategy implements Strategy {
  readonly name = 'guided';
  private used = false;
  private at = 0;
  private left = 0;

  constructor(private readonly blocks: readonly Block[], private readonly randoms: readonly number[] = []) {}

  newExecution(): boolean {
    if (this.used) return false;
    this.used = true;
    this.at = 0;
    this.left = this.blocks[0]?.steps ?? 0;
    return true;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    while (this.at < this.blocks.length) {
      const block = this.blocks[this.at]!;
      if (this.left > 0 && ctx.runnable.includes(block.task)) {
        this.left--;
        return block.task;
      }
      this.at++;
      this.left = this.blocks[this.at]?.steps ?? 0;
    }
    if (ctx.current !== null && ctx.runnable.includes(ctx.current)) return ctx.current;
    return ctx.runnable[0]!;
  }

  private drawn = 0;
  nextRandom(): number {
    return this.randoms[this.drawn++] ?? 0;
  }
}
