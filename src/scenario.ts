import type { FailureKind } from '../scheduler/types.ts';
import type { Environment } from './environment/index.ts';
import { callerFiles } from './call-site.ts';

/** What a scenario is expected to show: 'pass', or the failure kind a known-buggy model has. */
export type Expectation = 'pass' | FailureKind;

export interface ScenarioOptions {
  /** Default 'pass'. A bundled demo of a buggy model declares the failure kind it must show. */
  readonly expect?: Expectation;
  /** Scheduling points per execution before it counts as a livelock (default 10 000). */
  readonly maxSteps?: number;
  /**
   * The CLI's watchdog: milliseconds one execution may run before it is stopped and reported as
   * a livelock (an endless synchronous loop); default 10 000, `check --timeout` overrides it.
   * `explore()` in your own process runs in its thread and cannot stop such a loop.
   */
  readonly timeoutMs?: number;
  /**
   * Race and lost-update detection on Shared cells (src/run.ts, RacePolicy). `true` or 'warn'
   * (the default): a lost update fails as `atomicity`, two accesses unordered by synchronisation
   * are a warning; 'strict': such a pair fails as `data-race` too; `false`: neither is looked for.
   */
  readonly races?: boolean | 'strict' | 'warn';
  /** One line saying what the scenario checks. */
  readonly description?: string;
  /**
   * Node APIs replaced by controlled versions during each execution, for code not written
   * against heddle: virtual timers and clock, recorded randomness, an in-memory filesystem,
   * explored EventEmitter delivery. `true` turns on all of them.
   */
  readonly environment?: Environment | boolean;
  /**
   * Packages (by name, as in node_modules) whose code is instrumented too, so that their awaits
   * are scheduling points: `instrument: ['p-memoize']`. The scenario file and every module of
   * the project it imports are instrumented anyway; packages are not unless named here (or with
   * `--instrument NAME`). The loader reads this list from the scenario file's source before the
   * file's imports load, so write it literally (an array of strings).
   */
  readonly instrument?: readonly string[];
  /**
   * Checks what the body returned, after the execution ended and outside it (heddle's
   * primitives behave as plain async code there). A non-null result fails the execution.
   * Linearizability checking is built on this.
   */
  readonly verify?: (value: unknown) => Verdict | null | Promise<Verdict | null>;
  /**
   * Simpler variants of an execution's random draws, tried by the shrinker with the same
   * schedule (e.g. with one generated operation left out). A variant is kept when it fails the
   * same way with fewer steps.
   */
  readonly shrinkRandoms?: (randoms: readonly number[]) => Iterable<number[]>;
}

/** A failure found by a scenario's own verify hook. */
export interface Verdict {
  readonly kind: FailureKind;
  readonly message: string;
}

const BRAND = Symbol.for('heddle.scenario');

export interface Scenario {
  readonly name: string;
  /** Runs once per execution, as task 0. Build all state inside it: nothing may survive a run. */
  readonly body: () => unknown;
  readonly options: ScenarioOptions;
  readonly [BRAND]: true;
}

export function scenario(name: string, body: () => unknown, options: ScenarioOptions = {}): Scenario {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError('scenario(name, body): name must be a non-empty string');
  if (typeof body !== 'function') {
    const swapped = typeof options === 'function' ? ': the options come after it, scenario(name, body, options)' : '';
    throw new TypeError(`scenario '${name}': body must be a function${swapped}`);
  }
  const made = Object.freeze({ name, body, options: Object.freeze({ ...options }), [BRAND]: true as const });
  definedIn.set(made, callerFiles(scenario));
  return made;
}

// Kept beside the scenario, not on it: the scenario's shape is the user's.
const definedIn = new WeakMap<Scenario, readonly string[]>();

/**
 * The files on the stack where the scenario was made (nearest first, heddle's own left out):
 * one of them usually exports it, so a printed command can name it as `file#name` (a factory in
 * one file called from another puts both here).
 */
export function definitionFiles(s: Scenario): readonly string[] {
  return definedIn.get(s) ?? [];
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
