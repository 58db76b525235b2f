import { markPure } from '../instrument/builtins.ts';
import { createRequire } from 'node:module';
import { syncBuiltinESMExports } from 'node:module';
import { scenarioExecution } from './context.ts';

const require = createRequire(import.meta.url);

/** A builtin module's CommonJS exports object (the ESM named exports follow it after a sync). */
export function builtin(name: string): Record<string, unknown> {
  return require(name) as Record<string, unknown>;
}

type Target = object;

/**
 * Replaces properties of objects for the length of one execution and puts them back after.
 * Builtin ESM bindings (`import { setTimeout } from 'node:timers/promises'`) are live: they are
 * re-synced after every change, so code that imported them sees the replacement too.
 */
export class Patches {
  private readonly undo: (() => void)[] = [];
  /** True while builtin ESM bindings are synced: they must take the replacements. */
  private syncing = false;

  /** Assigns the property (builtin modules' exports, prototypes nobody else swaps). */
  set(target: Target, key: string, value: unknown): void {
    markPure(value); // heddle's controlled version: what it does goes through heddle's operations
    const object = target as Record<string, unknown>;
    const had = Object.prototype.hasOwnProperty.call(object, key);
    const previous = object[key];
    object[key] = value; // throws for a read-only property: then there is nothing to put back
    this.undo.push(() => {
      if (had) object[key] = previous;
      else delete object[key];
    });
  }

  /**
   * Replaces the property for the scenario's code only: code descending from a task reads
   * `value`, every other reader the real one. Globals need this because other code swaps them
   * while an execution runs: vitest replaces setTimeout and process.nextTick around its own
   * messages and puts back, one tick later, what it read. Reading the replacement, it would
   * put it back after the execution (a leak), and scenario code running in between would get
   * the real function (a schedule that does not replay). What other code assigns meanwhile is
   * what it reads back, and what is restored; what scenario code assigns lasts the execution.
   */
  shadow(target: Target, key: string, value: unknown): void {
    markPure(value);
    const object = target as Record<string, unknown>;
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    const original = object[key];
    let outside = original;
    let inside = value;
    const visible = () => this.syncing || scenarioExecution() !== null;
    Object.defineProperty(object, key, {
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
      get: () => (visible() ? inside : outside),
      set: (v: unknown) => {
        if (visible()) inside = v;
        else outside = v;
      },
    }); // throws for a non-configurable property: then there is nothing to put back
    this.undo.push(() => {
      if (descriptor === undefined) {
        delete object[key];
        if (outside !== original) object[key] = outside;
      } else {
        Object.defineProperty(object, key, 'value' in descriptor ? { ...descriptor, value: outside } : descriptor);
      }
    });
  }

  apply(): void {
    this.syncing = true;
    try {
      syncBuiltinESMExports();
    } finally {
      this.syncing = false;
    }
  }

  /** Puts everything back; one property that cannot be put back does not keep the others. */
  restore(): void {
    let failure: unknown = null;
    for (const undo of this.undo.reverse()) {
      try {
        undo();
      } catch (e) {
        failure ??= e;
      }
    }
    this.undo.length = 0;
    syncBuiltinESMExports();
    if (failure !== null) throw failure;
  }
}
