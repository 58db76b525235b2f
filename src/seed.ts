import type { StrategyName } from './strategies.ts';

/**
 * Seeds: the PRNG seed of a seeded strategy (random, pct, pos), written as a whole number from
 * 0 to 2^53 − 1 (Number.MAX_SAFE_INTEGER) in plain decimal — no sign, no leading zeros, no
 * exponent. The PRNG is seeded with the text, so `07` and `7` would be two different runs: only
 * one spelling is accepted. A PCT execution seed carries the step estimate it was made with,
 * `<seed>/<steps>` (steps ≥ 1), so that one execution reruns from its seed alone.
 *
 * Anything else is refused rather than hashed into some other run: a token cut short when it
 * was copied must not replay as a seed.
 */
const WHOLE = /^(0|[1-9]\d*)$/;

/** The accepted seeds, in words, for error messages. */
export const SEED_RULE = `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;

function whole(text: string): boolean {
  return WHOLE.test(text) && Number(text) <= Number.MAX_SAFE_INTEGER;
}

/** 'whole' for a plain seed, 'pct' for a PCT execution seed `<seed>/<steps>`, null for neither. */
export function seedShape(text: string): 'whole' | 'pct' | null {
  if (whole(text)) return 'whole';
  const parts = text.split('/');
  return parts.length === 2 && whole(parts[0]!) && whole(parts[1]!) && parts[1] !== '0' ? 'pct' : null;
}

/** What is wrong with `seed` for `strategy`, as one line; null when it is a seed. */
export function seedProblem(seed: string | number, strategy: StrategyName): string | null {
  const text = String(seed);
  const shape = seedShape(text);
  if (shape === 'whole' || (shape === 'pct' && strategy === 'pct')) return null;
  if (shape === 'pct') return `the seed '${text}' is a pct execution seed (<seed>/<steps>): it belongs to strategy pct, not ${strategy}`;
  return `a seed is ${SEED_RULE}${strategy === 'pct' ? ' (or <seed>/<steps> for pct)' : ''}, got '${shorten(text)}'`;
}

export function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
