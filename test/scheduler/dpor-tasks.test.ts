// DPOR's task ids (StableTasks): a task made while the program runs has one id in every execution,
// whatever order tasks are made in; one made by no step of a task leaves the search no proof.
import { describe, expect, it } from 'vitest';
import { StableTasks } from '../../scheduler/strategies/dpor-tasks.ts';
import type { ChoiceContext } from '../../scheduler/strategy.ts';
import type { PendingOp, TaskId } from '../../scheduler/types.ts';

/** A scheduling point: every live task runnable; `made` the tasks the previous step (of `current`) spawned. */
function point(step: number, live: TaskId[], current: TaskId | null, made: TaskId[] = []): ChoiceContext {
  const previous: PendingOp[] = made.map((t) => ({ kind: 'spawn', object: t }));
  return { runnable: live, live, current, step, objectCount: 0, pending: () => ({ kind: 'yield', object: -1 }), previousStep: () => previous, birth: () => undefined };
}

describe('StableTasks', () => {
  it('names a task by its maker: two tasks made in either order keep their ids across executions', () => {
    const tasks = new StableTasks();
    // Execution 1: task 0 makes engine task 2, then task 1 makes engine task 3.
    tasks.reset();
    tasks.view(point(0, [0, 1], null));
    tasks.view(point(1, [0, 1, 2], 0, [2]));
    tasks.view(point(2, [0, 1, 2, 3], 1, [3]));
    const ofZero = tasks.stable(2);
    const ofOne = tasks.stable(3);
    expect(ofZero).not.toBe(ofOne);
    // Execution 2: task 1 makes its task first (engine id 2), then task 0 (engine id 3).
    tasks.reset();
    tasks.view(point(0, [0, 1], null));
    const ctx = tasks.view(point(1, [0, 1, 2], 1, [2]));
    tasks.view(point(2, [0, 1, 2, 3], 0, [3]));
    expect(tasks.stable(2)).toBe(ofOne);
    expect(tasks.stable(3)).toBe(ofZero);
    expect(ctx.live).toEqual([0, 1, ofOne]);
    expect(tasks.engine(ofOne)).toBe(2);
    expect(tasks.unnamed).toBeNull();
  });

  it('a task made after the first choice by no step of a task: no proof', () => {
    const tasks = new StableTasks();
    tasks.reset();
    tasks.view(point(0, [0, 1], null));
    tasks.view(point(1, [0, 1, 2], 0));
    expect(tasks.unnamed).toMatch(/^task 2 was made while the program ran by no step of a task/);
  });

  it('tasks that exist before the first choice keep their ids', () => {
    const tasks = new StableTasks();
    tasks.reset();
    tasks.view(point(0, [0], null));
    tasks.view(point(1, [0, 1, 2], 0, [1, 2]));
    expect([tasks.stable(1), tasks.stable(2)]).toEqual([1, 2]);
    expect(tasks.unnamed).toBeNull();
  });
});
