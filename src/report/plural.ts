/** `1 step`, `2 steps`: a count and its noun, with the count as English writes it (`1,024`). */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}
