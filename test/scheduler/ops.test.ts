import { describe, expect, it } from 'vitest';
import { conflicts, dependent, type DporEvent } from '../../scheduler/dependence.ts';
import { RaceDetector } from '../../scheduler/detectors/race.ts';
import type { Execution } from '../../scheduler/execution.ts';
import { OPS, type Channel } from '../../scheduler/ops.ts';
import type { DataRace, ObjectInfo, OpKind, PendingOp, TaskId, TraceStep } from '../../scheduler/types.ts';
import { syncEdges } from '../../src/report/edges.ts';
import { opLabel } from '../../src/report/text.ts';

const KINDS = Object.keys(OPS) as OpKind[];

describe('the operation table', () => {
  it('every channel some op acquires from is released to by some op (a task end by every step)', () => {
    const released = new Set<Channel>(['task-end']);
    for (const k of KINDS) if (OPS[k].releases !== null) released.add(OPS[k].releases!);
    for (const k of KINDS) {
      const from = OPS[k].acquires?.from;
      if (from !== undefined) expect(released.has(from), `${k} acquires from ${from}`).toBe(true);
    }
  });

  it('a release never blocks and gives its object back; ops naming a task are the task role', () => {
    for (const k of KINDS) {
      const d = OPS[k];
      if (d.role === 'release') expect([d.blocks, d.releases], k).toEqual([null, 'object']);
      expect(d.target === 'task', k).toBe(d.role === 'task');
    }
  });

  it('labels a step the way its kind says: bare, with its detail, its task or its object', () => {
    const names = { tasks: [{ id: 0, name: 'main' }, { id: 1, name: 'worker' }], objects: [{ id: 0, type: 'cell', name: 'hits' }] };
    const label = (kind: OpKind, object: number, detail?: string) => opLabel({ kind, object, detail }, names);
    expect(label('yield', -1)).toBe('yield');
    expect(label('sleep', -1, '100 ms')).toBe('sleep 100 ms');
    expect(label('spawn', 1)).toBe('spawn worker');
    expect(label('read', 0, '→ 3')).toBe('get hits → 3');
    expect(label('join-queue', 0)).toBe('join hits');
  });
});

/** One event of one access. */
const event = (task: TaskId, kind: OpKind, object: number): DporEvent => ({ task, accesses: [{ kind, object }] });

describe('dependence of the instrumented-code kinds', () => {
  it('two awaits of one promise commute; an await and the settling of its promise do not, nor do two settlings', () => {
    expect(dependent(event(1, 'await', 4), event(2, 'await', 4))).toBe(false);
    expect(dependent(event(1, 'await', 4), event(2, 'settle', 4))).toBe(true);
    expect(dependent(event(1, 'settle', 4), event(2, 'settle', 4))).toBe(true);
    expect(conflicts({ kind: 'await', object: 4 }, { kind: 'settle', object: 5 })).toBe(false);
  });

  it('steps with unseen effects are ordered against each other', () => {
    expect(dependent(event(1, 'effect', 7), event(2, 'effect', 7))).toBe(true);
  });
});

/** Runs the race detector over steps (task, op) against these objects; returns the races it found. */
function racesOf(objects: readonly ObjectInfo[], steps: readonly [TaskId, PendingOp][], spawns: readonly TaskId[]): DataRace[] {
  const races: DataRace[] = [];
  let lastStep = -1;
  const ex = { object: (id: number) => objects[id], get lastStep() { return lastStep; }, addRace: (r: DataRace) => races.push(r) };
  const detector = new RaceDetector();
  for (const child of spawns) detector.onSpawn(0, child);
  for (const [task, op] of steps) {
    lastStep++;
    detector.onStep(task, op, true, ex as unknown as Execution);
  }
  return races;
}

describe('happens-before through a promise', () => {
  const objects: ObjectInfo[] = [{ id: 0, type: 'cell', name: 'c' }, { id: 1, type: 'promise', name: 'p' }];

  it('a write before a settle is ordered before a read after an await of that promise', () => {
    const steps: [TaskId, PendingOp][] = [[1, { kind: 'write', object: 0 }], [1, { kind: 'settle', object: 1 }],
      [2, { kind: 'await', object: 1 }], [2, { kind: 'read', object: 0 }]];
    expect(racesOf(objects, steps, [1, 2])).toEqual([]);
  });

  it('without the await the same write and read race', () => {
    const steps: [TaskId, PendingOp][] = [[1, { kind: 'write', object: 0 }], [1, { kind: 'settle', object: 1 }], [2, { kind: 'read', object: 0 }]];
    expect(racesOf(objects, steps, [1, 2])).toHaveLength(1);
  });

  it('a report draws the settle → await edge as a promise edge', () => {
    const step = (task: TaskId, kind: OpKind, object: number): TraceStep => ({ task, kind, object, choice: true, preempted: false });
    const trace = [step(1, 'settle', 1), step(2, 'await', 1)];
    expect(syncEdges(trace, objects)).toEqual([{ from: 0, to: 1, kind: 'promise' }]);
  });
});
