import { createRequire } from 'node:module';
import { syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);

/** A builtin module's CommonJS exports object (the ESM named exports follow it after a sync). */
export function builtin(name: string): Record<string, unknown> {
  return require(name) as Record<string, unknown>;
}

/**
 * Replaces properties of objects for the length of one execution and puts them back after.
 * Builtin ESM bindings (`import { setTimeout } from 'node:timers/promises'`) are live: they are
 * re-synced after every change, so code that imported them sees the replacement too.
 */
export class Patches {
  private readonly saved: { target: Record<string, unknown>; key: string; value: unknown; had: boolean }[] = [];

  set(target: Record<string, unknown>, key: string, value: unknown): void {
    const saved = { target, key, value: target[key], had: Object.prototype.hasOwnProperty.call(target, key) };
    target[key] = value; // throws for a read-only property: then there is nothing to put back
    this.saved.push(saved);
  }

  apply(): void {
    syncBuiltinESMExports();
  }

  restore(): void {
    for (const { target, key, value, had } of this.saved.reverse()) {
      if (had) target[key] = value;
      else delete target[key];
    }
    this.saved.length = 0;
    syncBuiltinESMExports();
  }
}
