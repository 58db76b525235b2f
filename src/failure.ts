import type { BlockedTask, FailureKind, ObjectInfo, TaskId, TaskInfo, TraceStep } from '../scheduler/types.ts';

/** A failure as a user sees it: what went wrong and everything needed to see and replay it. */
export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The strategy that found it. */
  readonly strategy: string;
  /** The execution seed, for seeded strategies: `--seed` reruns this execution first. */
  readonly seed?: string;
  /** Flags besides --strategy and --seed that rerun the execution from its seed (`--depth 2`). */
  readonly rerunFlags?: readonly string[];
  /** The schedule token: `replay <scenario> <token>` reruns exactly this execution. */
  readonly token: string;
  readonly trace: readonly TraceStep[];
  readonly tasks: readonly TaskInfo[];
  readonly objects: readonly ObjectInfo[];
  readonly steps: number;
  readonly preemptions: number;
  readonly task?: TaskId;
  readonly error?: unknown;
  readonly blocked?: readonly BlockedTask[];
  /** Data races seen in the failing execution, described with both access sites. */
  readonly races?: readonly string[];
  /** The same races as pairs of trace step indices (for diagrams). */
  readonly raceSteps?: readonly (readonly [number, number])[];
  /** Set when shrinking found a simpler schedule: what the original failing execution had. */
  readonly shrunk?: { readonly preemptions: number; readonly steps: number; readonly attempts: number };
  /** heddle itself misbehaved: not a bug in the code under test. */
  readonly internal?: boolean;
}
