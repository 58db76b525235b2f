import { readFileSync } from 'node:fs';
import { EXIT_FAILURE, EXIT_OK, InputError, parse } from './input.ts';
import type { Output } from './output.ts';
import type { Cli } from '../report/command.ts';
import { plural } from '../report/plural.ts';
import { failureRank } from '../failure.ts';
import type { FailureKind } from '../../scheduler/types.ts';
import { countAtMost } from '../parallel/orders.ts';

/** `merge --help`, with the prefix the CLI was invoked by. */
export const mergeUsage = (cli: Cli): string => `usage: ${cli} merge <shard.json>... [--json]
  Combines the --json output of 'check --shard i/n' runs into one verdict per scenario:
  the failure an unsplit search finds first wins, numbered as that search numbers it.
  --json              one merged JSON object per scenario
  --help              this text`;

interface ShardLine {
  scenario: string;
  expect: string;
  strategy: string;
  schedulesRun: number;
  stepsRun: number;
  complete: boolean;
  failureIndex: number | null;
  /** The failing execution's place in the unsplit search (shards order by it), and the orders each shard counted. */
  failureOrder?: number | null;
  countedOrders?: number[];
  /** The whole search's result, which a DPOR shard ran itself (it found a failure, or its split does not hold). */
  whole?: boolean;
  shard: string | null;
  failure: { kind: string; message: string; replay: string } | null;
}

function readLines(file: string): ShardLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    let obj: ShardLine;
    try {
      obj = JSON.parse(line) as ShardLine;
    } catch {
      throw new InputError(`${file}:${i + 1} is not JSON (expected the output of 'check --json --shard i/n')`);
    }
    if (typeof obj.scenario !== 'string' || typeof obj.schedulesRun !== 'number') throw new InputError(`${file}:${i + 1} is not a heddle check result`);
    return obj;
  });
}

/** The slice whose failure an unsplit search would have met first; a hard failure outranks a lost update, which outranks a data race. */
function pick(lines: readonly ShardLine[]): ShardLine | undefined {
  const failing = lines.filter((l) => l.failure !== null);
  return failing.sort((a, b) => failureRank(a.failure!.kind as FailureKind) - failureRank(b.failure!.kind as FailureKind) || orderOf(a) - orderOf(b))[0];
}

function orderOf(line: ShardLine): number {
  return line.failureOrder ?? line.failureIndex ?? 0;
}

/** The winner's schedule number in the unsplit search: what every shard counted up to its order. */
function scheduleNumber(lines: readonly ShardLine[], winner: ShardLine): number | null {
  if (winner.failureOrder == null || lines.some((l) => !Array.isArray(l.countedOrders))) return winner.failureIndex;
  return lines.reduce((n, l) => n + countAtMost(l.countedOrders!, winner.failureOrder!), 0);
}

export async function runMerge(args: readonly string[], out: Output, cli: Cli): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 10_000);
  if (values.help) {
    out.stdout(mergeUsage(cli));
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new InputError('merge needs the JSON files of the shards (see --help)');
  const byScenario = new Map<string, ShardLine[]>();
  for (const file of positionals) for (const line of readLines(file)) byScenario.set(line.scenario, [...(byScenario.get(line.scenario) ?? []), line]);
  let allOk = true;
  for (const [scenario, all] of [...byScenario].sort(([a], [b]) => a.localeCompare(b))) {
    // A shard that ran the whole search answers for every shard (they are slices of it).
    const whole = all.find((l) => l.whole === true);
    const lines = whole ? [whole] : all;
    const shards = new Set(all.map((l) => l.shard));
    const winner = pick(lines);
    const got = winner?.failure?.kind ?? 'pass';
    const ok = got === lines[0]!.expect;
    allOk &&= ok;
    const schedules = lines.reduce((n, l) => n + l.schedulesRun, 0);
    const complete = (!winner || failureRank(winner.failure!.kind as FailureKind) > 0) && lines.every((l) => l.complete);
    const failureIndex = winner ? (whole ? winner.failureIndex : scheduleNumber(lines, winner)) : null;
    if (values.json) {
      out.stdout(JSON.stringify({ scenario, expect: lines[0]!.expect, verdict: winner ? 'fail' : 'pass', asExpected: ok,
        strategy: lines[0]!.strategy, shards: [...shards], schedulesRun: schedules, stepsRun: lines.reduce((n, l) => n + l.stepsRun, 0),
        complete, failureIndex, failure: winner?.failure ?? null }));
      continue;
    }
    out.stdout(`${ok ? '✓' : '✗'} ${scenario.padEnd(34)} expect ${lines[0]!.expect.padEnd(14)} got ${got.padEnd(16)} ` +
      `${plural(schedules, 'schedule')} ${whole ? `(the whole search, run by shard ${whole.shard ?? '?'})` : `over ${plural(shards.size, 'shard')}`}${complete ? ', complete' : ''}`);
    if (winner?.failure) {
      out.stdout(`  ${winner.failure.kind} in schedule ${failureIndex} (shard ${winner.shard ?? '?'}): ${winner.failure.message.split('\n')[0]}`);
      out.stdout(`  replay: ${winner.failure.replay}`);
    }
  }
  return allOk ? EXIT_OK : EXIT_FAILURE;
}
