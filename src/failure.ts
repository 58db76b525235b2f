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
  /**
   * Flags replay and a rerun need to judge the execution as the search did (`--races strict`
   * when the search ran with another race policy than the scenario's own).
   */
  readonly replayFlags?: readonly string[];
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

/**
 * How a search ranks the failures it meets: a hard failure (an assertion, a deadlock, …) ends
 * the search; a lost update (`atomicity`) and a strict `data-race` are reported only when no
 * hard failure turned up, a lost update before a race. Lower is stronger.
 */
export function failureRank(kind: FailureKind): number {
  return kind === 'atomicity' ? 1 : kind === 'data-race' ? 2 : 0;
}

/** Two accesses of one Shared cell unordered by synchronisation, seen by a search that passed them (races: 'warn'). */
export interface RaceWarning {
  readonly kind: 'data-race';
  /** The racing cell's name: a search lists one warning per cell. */
  readonly cell: string;
  /** Both accesses, with their tasks, steps and source locations. */
  readonly message: string;
  /** An execution that shows it: `replay <scenario> <token> --races strict` fails on it. */
  readonly token: string;
}
