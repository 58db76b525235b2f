import pc from 'picocolors';
import { inspect } from 'node:util';
import { OPS } from '../../scheduler/ops.ts';
import type { BlockedTask, ObjectInfo, TaskInfo, TraceStep } from '../../scheduler/types.ts';
import type { Failure, RaceWarning } from '../failure.ts';
import { apiReplay, replayCommand, rerunCommand, type Rerun } from './command.ts';
import { plural } from './plural.ts';

export interface TextOptions {
  /** Colour (only on a TTY; the CLI decides). */
  readonly color?: boolean;
  /** Show every step instead of eliding the middle of long traces. */
  readonly full?: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

const CELL_WIDTH = 32;
const HEAD = 15;
const TAIL = 25;

interface Names {
  readonly tasks: readonly TaskInfo[];
  readonly objects: readonly ObjectInfo[];
}

function taskName(id: number, names: Names): string {
  return names.tasks[id]?.name ?? `task${id}`;
}

/** `get hits → 3`, `lock m`, `spawn worker-1`, `sleep 100 ms`: as the kind's OPS entry says. */
export function opLabel(step: Pick<TraceStep, 'kind' | 'object' | 'detail'>, names: Names): string {
  const { verb, label } = OPS[step.kind];
  const detail = step.detail !== undefined ? ` ${step.detail}` : '';
  switch (label) {
    case 'verb':
      return verb;
    case 'verb task':
      return `${verb} ${taskName(step.object, names)}`;
    case 'verb detail':
      return `${verb}${detail}`;
    case 'verb object detail':
      return `${verb} ${names.objects[step.object]?.name ?? `#${step.object}`}${detail}`;
    case 'detail':
      return step.detail ?? verb;
    case 'hidden':
      return `${verb} ${names.objects[step.object]?.name ?? ''}`.trimEnd();
  }
}

/** Whether a report shows the step as a row of its own (bookkeeping steps are left out). */
export function shown(step: Pick<TraceStep, 'kind'>): boolean {
  return OPS[step.kind].label !== 'hidden';
}

/**
 * The display row of each step: shown steps in order; a left-out step takes the row of the last
 * shown step before it (its own scheduling point), so what points at it still lands on its step.
 */
export function displayRows(trace: readonly Pick<TraceStep, 'kind'>[]): { row: number[]; rows: number } {
  const row: number[] = [];
  let next = 0;
  for (const s of trace) row.push(shown(s) ? next++ : Math.max(0, next - 1));
  return { row, rows: next };
}

function fit(text: string, width: number): string {
  return text.length > width ? text.slice(0, width - 1) + '…' : text.padEnd(width);
}

function blockedLabel(b: BlockedTask, names: Names): string {
  const held = b.heldBy !== undefined ? ` (held by ${taskName(b.heldBy, names)})` : '';
  return `⧗ ${opLabel({ kind: b.op, object: b.object }, names)}${held}`;
}

/**
 * The per-task trace table: one column per task, one row per step; a step that preempted a
 * runnable task is marked `*`; the final row shows how the failure ends (a throw, blocked ops).
 */
export function formatTrace(trace: readonly TraceStep[], names: Names, options: TextOptions & { failure?: Failure } = {}): string {
  const c: Colors = pc.createColors(options.color ?? false);
  const tasks = names.tasks;
  const widths = tasks.map((t) => Math.min(CELL_WIDTH, Math.max(t.name.length + 4, 8)));
  const visible: number[] = [];
  trace.forEach((s, i) => {
    if (shown(s)) visible.push(i);
  });
  for (const i of visible) {
    const s = trace[i]!;
    widths[s.task] = Math.min(CELL_WIDTH, Math.max(widths[s.task] ?? 8, opLabel(s, names).length));
  }
  const f = options.failure;
  const ending = new Map<number, string>();
  if (f?.blocked) for (const b of f.blocked) ending.set(b.task, blockedLabel(b, names));
  if (f && f.task !== undefined && !ending.has(f.task)) {
    const err = f.error instanceof Error ? f.error.name : f.kind;
    ending.set(f.task, f.kind === 'nondeterminism' ? '⧗ awaits uncontrolled promise' : `✗ throws ${err}`);
  }
  for (const [t, text] of ending) widths[t] = Math.min(CELL_WIDTH, Math.max(widths[t] ?? 8, text.length));
  const numWidth = Math.max(4, String(trace.length).length + 1);
  const row = (num: string, cells: string[], loc: string) =>
    `  ${num.padStart(numWidth)} │ ${cells.map((cell, i) => fit(cell, widths[i]!)).join(' │ ')} │ ${loc}`.trimEnd();
  const lines: string[] = [];
  lines.push(c.bold(row('step', tasks.map((t) => `${t.name} (${t.id})`), 'location')));
  lines.push(`  ${'─'.repeat(numWidth)}─┼─${widths.map((w) => '─'.repeat(w)).join('─┼─')}─┼─${'─'.repeat(8)}`);
  const show = (i: number) => {
    const s = trace[i]!;
    const cells = tasks.map((t) => (t.id === s.task ? opLabel(s, names) : ''));
    const num = `${i}${s.preempted ? '*' : ' '}`;
    const text = row(num, cells, s.location ?? '');
    lines.push(s.preempted ? c.yellow(text) : s.choice ? text : c.dim(text));
  };
  const elide = !options.full && visible.length > HEAD + TAIL + 5;
  for (let v = 0; v < visible.length; v++) {
    if (elide && v === HEAD) {
      lines.push(c.dim(`  ${'…'.padStart(numWidth)}   ${plural(visible.length - HEAD - TAIL, 'step')} elided (--full-trace shows all)`));
      v = visible.length - TAIL - 1;
      continue;
    }
    show(visible[v]!);
  }
  if (ending.size > 0) {
    const cells = tasks.map((t) => ending.get(t.id) ?? '');
    lines.push(c.red(c.bold(row('✗ ', cells, ''))));
  }
  lines.push(c.dim(`  * = preemption (switched away from a task that could have continued); dim rows do not yield`));
  return lines.join('\n');
}

const MORE_LINES = 16;

/**
 * What the failure's one-line message leaves out of a thrown error: the rest of its message
 * (node:assert puts the values there: `2 !== 1`, or a diff), or, when the message is only the
 * user's text, the asserted values. At most MORE_LINES lines; --json has the whole message.
 */
export function thrownDetails(error: unknown): string[] {
  if (!(error instanceof Error)) return [];
  const lines = error.message.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  const rest = lines.slice(first + 1).filter((l) => l.trim() !== '').map((l) => l.trimEnd());
  const values = error as Error & { actual?: unknown; expected?: unknown; operator?: unknown; generatedMessage?: unknown };
  if (rest.length === 0 && values.generatedMessage === false && 'expected' in values && values.operator !== '==') {
    const show = (v: unknown) => inspect(v, { depth: 3, breakLength: Infinity, maxStringLength: 200, maxArrayLength: 20 });
    return [`actual ${show(values.actual)}, expected ${show(values.expected)}${typeof values.operator === 'string' ? ` (${values.operator})` : ''}`];
  }
  if (rest.length <= MORE_LINES) return rest;
  return [...rest.slice(0, MORE_LINES - 1), `… ${rest.length - MORE_LINES + 1} more lines (--json has the whole message)`];
}

export interface FailureTextOptions extends TextOptions {
  /** The schedule the failure was found in (ExploreResult.failureIndex: the N-th schedule the search counted). */
  readonly schedule?: number;
  /** How a pasted command reaches the scenario again; without it only the API form is printed. */
  readonly rerun?: Rerun;
  /** Also print the API form (`await replay(scenario, '…')`), for a test file. */
  readonly api?: boolean;
}

/** Kind and message, how it was found, the trace table and the exact replay command. */
export function formatFailure(scenario: string, failure: Failure, options: FailureTextOptions = {}): string {
  const c: Colors = pc.createColors(options.color ?? false);
  const lines: string[] = [];
  const who = failure.internal ? '[internal bug] heddle misbehaved' : 'your code';
  lines.push(`${c.red(c.bold(failure.kind))} in ${c.bold(scenario)} (${who})`);
  lines.push(`  ${failure.message}`);
  for (const line of thrownDetails(failure.error)) lines.push(`    ${line}`);
  const found = [`found by ${failure.strategy}`];
  if (options.schedule !== undefined) found.push(`in schedule ${options.schedule}`);
  if (failure.seed !== undefined) found.push(`seed ${failure.seed}`);
  found.push(plural(failure.steps, 'step'), plural(failure.preemptions, 'preemption'));
  lines.push(c.dim(`  ${found.join(', ')}`));
  if (failure.shrunk) {
    const was = failure.shrunk;
    lines.push(c.dim(`  shrunk from ${plural(was.preemptions, 'preemption')} and ${plural(was.steps, 'step')} ` +
      `(${plural(was.attempts, 'schedule')} tried; the seed reruns the original)`));
  }
  if (failure.kind !== 'data-race') for (const race of failure.races ?? []) lines.push(c.yellow(`  also: ${race}`));
  lines.push('');
  lines.push(formatTrace(failure.trace, failure, { ...options, failure }));
  lines.push('');
  const flags = failure.replayFlags ?? [];
  if (options.rerun) lines.push(`  replay: ${c.cyan(replayCommand(options.rerun, failure.token, flags))}`);
  if (options.api || !options.rerun) lines.push(`  ${options.rerun ? 'in a test' : 'replay'}: ${c.cyan(apiReplay(failure.token, flags))}`);
  if (options.rerun && failure.seed !== undefined && failure.strategy !== 'replay') {
    lines.push(c.dim(`  rerun this execution first: ${rerunCommand(options.rerun, failure.strategy, failure.seed, [...failure.rerunFlags ?? [], ...flags])}`));
  }
  return lines.join('\n');
}

/**
 * The race warnings of a search (races: 'warn'), two lines each: what was unordered, and the
 * command that shows it (`replay … --races strict` fails on it). Nothing when there are none.
 */
export function warningLines(result: { readonly warnings?: readonly RaceWarning[] }, rerun: Rerun | undefined, color = false): string[] {
  const c: Colors = pc.createColors(color);
  const lines: string[] = [];
  for (const w of result.warnings ?? []) {
    lines.push(c.yellow(`  warning: ${w.message}`));
    lines.push(c.dim(`    see it: ${rerun ? replayCommand(rerun, w.token, ['--races', 'strict']) : apiReplay(w.token, ['--races', 'strict'])}`));
  }
  return lines;
}
