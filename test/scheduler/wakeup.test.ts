import { describe, expect, it } from 'vitest';
import { explore } from 'heddle';
import { dependent, type DporEvent } from '../../scheduler/dependence.ts';
import { DporStrategy } from '../../scheduler/strategies/dpor.ts';
import { WakeupForest, type WakeupBranch, type WakeupTree } from '../../scheduler/strategies/wakeup.ts';
import { Observing } from '../support/observing.ts';
import { readers } from '../../scenarios/benchmarks/programs.ts';

const read = (task: number, object = 0): DporEvent => ({ task, accesses: [{ kind: 'read', object }] });
const write = (task: number, object = 0): DporEvent => ({ task, accesses: [{ kind: 'write', object }] });
const asFound = (e: DporEvent) => e;

/** The tree's branches as nested [task, branches] pairs. */
function shape(branches: readonly WakeupBranch[]): unknown[] {
  return branches.map((b) => [b.event.task, shape(b.branches)]);
}

/** A tree whose one branch, task 1, has run `event`. */
function explored(event: DporEvent, forest = new WakeupForest()): WakeupTree {
  const tree = forest.tree([event.task]);
  tree.setFirstEvent(event);
  return tree;
}

describe('wakeup trees', () => {
  it('a sequence that commutes with an explored leaf branch is covered by it: nothing is inserted', () => {
    const tree = explored(write(1, 5));
    expect(tree.insert([read(2, 0)], dependent, asFound)).toBe(false);
    expect(shape(tree.branches())).toEqual([[1, []]]);
  });

  it('a sequence whose first step depends on every branch becomes a new last branch, one node per step', () => {
    const tree = explored(write(1));
    expect(tree.insert([read(2), read(3, 7)], dependent, asFound)).toBe(true);
    expect(shape(tree.branches())).toEqual([[1, []], [2, [[3, []]]]]);
  });

  it('a branch whose task is an initial of the sequence consumes that step, and the rest goes under it', () => {
    const tree = explored(write(1));
    tree.insert([read(2), read(3), write(4, 9)], dependent, asFound);
    // 2 and 3 read one object, so 2 is an initial of 3.2.5: branch 2 takes it, branch 3 below it
    // takes 3, and 5 (ordered with 4: both write object 9) is a new branch under 3.
    expect(tree.insert([read(3), read(2), write(5, 9)], dependent, asFound)).toBe(true);
    expect(shape(tree.branches())).toEqual([[1, []], [2, [[3, [[4, []], [5, []]]]]]]);
    // A sequence whose steps all lie along an existing branch is covered by it.
    expect(tree.insert([read(3), read(2), write(4, 9)], dependent, asFound)).toBe(false);
  });

  // The lost trace of lastzero(3) over objects heddle cannot name (test/instrument/dpor-plain),
  // reduced to its trees: a wildcard made branch 1 look dependent on a step it commutes with, so
  // 3's one-step sequence became a branch after 1 though 1 is really a weak initial of it. When
  // it runs, 1 sleeps and the races of its free continuation are dropped for that sleeper; so it
  // must not cover a later sequence by the leaf rule: that sequence goes under it, as planned.
  it('a leaf placed after a branch that only a wildcard kept it from covers nothing', () => {
    const tree = explored(write(2, 9));
    // Branch 1 reads 9 and writes 7, remembered as a write of any object first used from id 5 on.
    const wildcard = (e: DporEvent): DporEvent => e.task !== 1 ? e
      : { task: 1, accesses: e.accesses.map((x) => x.kind === 'write' ? { kind: x.kind, object: 5, freshFrom: 5 } : x) };
    expect(tree.insert([{ task: 1, accesses: [{ kind: 'read', object: 9 }, { kind: 'write', object: 7 }] }], dependent, wildcard)).toBe(true);
    // 3 reads 9: dependent on 2's write; on 1's step only through the wildcard.
    expect(tree.insert([read(3, 9)], dependent, asFound)).toBe(true);
    expect(shape(tree.branches())).toEqual([[2, []], [1, []], [3, []]]);
    // 3, then 2, then 4 reading what 1 writes (1 is no weak initial of it): the leaf 3 does not cover it.
    expect(tree.insert([read(3, 9), write(2, 9), read(4, 7)], dependent, asFound)).toBe(true);
    expect(shape(tree.branches())).toEqual([[2, []], [1, []], [3, [[2, [[4, []]]]]]]);
    // Without the wildcard, 1 commutes with 3's step, which passes into branch 1 (a leaf: covered).
    const exact = explored(write(2, 9));
    exact.insert([{ task: 1, accesses: [{ kind: 'read', object: 9 }, { kind: 'write', object: 7 }] }], dependent, asFound);
    expect(exact.insert([read(3, 9)], dependent, asFound)).toBe(false);
    expect(shape(exact.branches())).toEqual([[2, []], [1, []]]);
  });

  it('explored branches give their nodes back, and later branches reuse them', () => {
    const forest = new WakeupForest();
    const tree = explored(write(1), forest);
    tree.insert([read(2), read(3), read(4)], dependent, asFound);
    expect(forest.size).toBe(5); // the root, branch 1, and the chain 2 → 3 → 4
    expect(tree.shift()).toEqual(write(1));
    expect(tree.firstTask).toBe(2);
    tree.shift();
    expect(tree.isEmpty).toBe(true);
    expect(forest.size).toBe(1);
    const allocated = () => (forest as unknown as { allocated: number }).allocated;
    const before = allocated();
    tree.insert([read(5), read(6), read(7), read(8)], dependent, asFound);
    expect(forest.size).toBe(5);
    expect(allocated()).toBe(before);
    tree.release();
    expect(forest.size).toBe(0);
  });

  it('stored events are kept once per distinct content, whichever execution found them', () => {
    const forest = new WakeupForest();
    const [one, two] = [explored(write(1), forest), explored(write(1), forest)];
    const found = [read(2), write(3, 4)];
    const foundAgain = [read(2), write(3, 4)];
    one.insert(found, dependent, asFound);
    two.insert(foundAgain, dependent, asFound);
    const [a, b] = [one.branches()[1]!, two.branches()[1]!];
    expect(shape([a, b])).toEqual([[2, [[3, []]]], [2, [[3, []]]]]);
    expect(a.event).toBe(b.event);
    expect(a.branches[0]!.event).toBe(b.branches[0]!.event);
  });
});

describe('dpor keeps its wakeup trees in one forest', () => {
  it('a search of readers(10) plans at most a few nodes per trace and frees every node by its end', async () => {
    const dpor = new DporStrategy();
    let peak = 0;
    const r = await explore(readers(10), {
      strategyInstance: new Observing(dpor, () => { peak = Math.max(peak, dpor.wakeupNodes); }), iterations: 1_000_000, shrink: false,
    });
    expect(r.schedulesRun).toBe(1024);
    expect(r.pruned).toBe(0);
    expect(r.complete).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(4 * 1024);
    expect(dpor.wakeupNodes).toBe(0);
  });
});
