import type { Failure, RaceWarning } from '../failure.ts';
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
    replay: rerun ? replayCommand(rerun, f.token, f.replayFlags) : apiReplay(f.token, f.replayFlags),
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

/** A search's race warnings (races: 'warn') for --json: each with its message, token and the command that shows it. */
export function warningsJson(result: { readonly warnings?: readonly RaceWarning[] }, rerun?: Rerun): Record<string, unknown>[] {
  return (result.warnings ?? []).map((w) => ({
    kind: w.kind, message: w.message, token: w.token,
    replay: rerun ? replayCommand(rerun, w.token, ['--races', 'strict']) : apiReplay(w.token, ['--races', 'strict']),
  }));
}
