import type { Failure } from '../failure.ts';
import { apiReplay, replayCommand, type Rerun } from './command.ts';
import { opLabel } from './text.ts';

/**
 * The machine-readable form of a failure (schema in docs/reading-a-failure.md). Thrown values become their
 * name and message; every trace step gets its readable label. `replay` is the command line the
 * text report prints (the API form when `rerun` is not known).
 */
export function failureJson(f: Failure, rerun?: Rerun): Record<string, unknown> {
  return {
    kind: f.kind,
    message: f.message,
    internal: f.internal ?? false,
    strategy: f.strategy,
    seed: f.seed ?? null,
    rerunFlags: f.rerunFlags ?? [],
    token: f.token,
    replay: rerun ? replayCommand(rerun, f.token) : apiReplay(f.token),
    steps: f.steps,
    preemptions: f.preemptions,
    tasks: f.tasks.map((t) => ({ id: t.id, name: t.name })),
    blocked: f.blocked ?? null,
    races: f.races ?? [],
    shrunkFrom: f.shrunk ?? null,
    error: f.error instanceof Error ? { name: f.error.name, message: f.error.message } : f.error === undefined ? null : String(f.error),
    trace: f.trace.map((s) => ({
      task: s.task, op: s.kind, object: s.object, label: opLabel(s, f), choice: s.choice, preempted: s.preempted,
      location: s.location ?? null,
    })),
  };
}
