import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RacePolicy } from '../run.ts';

/** Bad input from the user: printed as one line, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** replay: the token is sound but no longer fits the code (it changed since the token was made). */
export const EXIT_DIVERGED = 3;

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into one-line InputErrors. */
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parse<const T extends Options>(args: readonly string[], options: T, maxPositionals: number): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new InputError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}

/** A whole number within bounds, from a flag value. */
export function wholeNumber(flag: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new InputError(`--${flag} expects a whole number, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new InputError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `--races strict|warn|off`: the race policy (src/run.ts), or undefined when the flag is absent. */
export function racesFlag(value: string | undefined): RacePolicy | undefined {
  if (value === undefined) return undefined;
  if (value === 'strict' || value === 'warn' || value === 'off') return value;
  throw new InputError(`--races must be one of strict, warn, off, got '${value}'`);
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function suggest(target: string, names: readonly string[]): string {
  const close = names
    .map((name) => ({ name, d: Math.min(distance(target, name), ...name.split('/').map((part) => distance(target, part) + 1)) }))
    .filter(({ d, name }) => d <= Math.max(2, Math.floor(target.length / 3)) || name.includes(target))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map(({ name }) => name);
  return close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ' (--list shows all scenarios)';
}
