import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/index.ts';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { classicLostUpdate, diningPhilosophers, sharedFlags } from '../fixtures/atomicity.ts';
import { racyButPassing } from '../fixtures/programs.ts';

const FIXTURES = 'test/fixtures/atomicity.ts';
const STRATEGIES = ['random', 'pct', 'pos', 'dpor'] as const;

async function check(...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand('check', args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

const at = String.raw`step \d+, at test/fixtures/atomicity\.ts:\d+`;

describe('races as JavaScript has them (races: warn by default)', () => {
  for (const strategy of STRATEGIES) {
    it(`dining philosophers with ordered forks and an atomic update pass under ${strategy}, exit 0`, async () => {
      const r = await explore(diningPhilosophers, { strategy, iterations: 300 });
      expect(r.failure).toBeUndefined();
      expect(r.verdict).toBe('pass');
      expect(r.schedulesRun).toBeGreaterThan(1);
      // Two updates are atomic steps: not even a warning, and not a race under strict either.
      expect(r.warnings).toBeUndefined();
      expect((await explore(diningPhilosophers, { strategy, iterations: 300, races: 'strict' })).failure).toBeUndefined();
      const cli = await check(`${FIXTURES}#fixture/dining-philosophers`, '--strategy', strategy, '--iterations', '300');
      expect(cli.code).toBe(0);
      expect(cli.out).toMatch(/got pass/);
    });

    it(`flags read by several tasks without locks pass under ${strategy}, the unordered pair listed as a warning`, async () => {
      const r = await explore(sharedFlags, { strategy, iterations: 300 });
      expect(r.failure).toBeUndefined();
      expect(r.warnings?.map((w) => w.message)).toEqual([expect.stringMatching(/^unordered accesses to cell 'stopped': task \d 'worker-[ab]' get/)]);
      const cli = await check(`${FIXTURES}#fixture/shared-flags`, '--strategy', strategy, '--iterations', '300');
      expect(cli.code).toBe(0);
      expect(cli.out).toMatch(/warning: unordered accesses to cell 'stopped'/);
    });

    it(`a get then a set across an await fails as atomicity under ${strategy}, naming the three accesses`, async () => {
      const r = await explore(classicLostUpdate, { strategy, iterations: 300 });
      expect(r.failure?.kind).toBe('atomicity');
      expect(r.failure?.message).toMatch(new RegExp(
        String.raw`^lost update on cell 'counter': task (\d) '(inc-[ab])' read it \(get, ${at}\), ` +
        String.raw`task (?!\1)\d '(?!\2)inc-[ab]' wrote it \(set, ${at}\), then task \1 wrote it \(set, ${at}\) from the stale read`));
      // The three steps are in the trace, in that order, by those tasks.
      const steps = [...r.failure!.message.matchAll(/step (\d+)/g)].map((m) => Number(m[1]));
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      const [read, foreign, write] = steps.map((i) => r.failure!.trace[i]!);
      expect([read!.kind, foreign!.kind, write!.kind]).toEqual(['read', 'write', 'write']);
      expect(read!.task).toBe(write!.task);
      expect(foreign!.task).not.toBe(read!.task);
      expect((await replay(classicLostUpdate, r.failure!.token)).failure?.kind).toBe('atomicity');
    });
  }

  it('the lost update exits 1 from the CLI when the scenario declares pass, and its --json names the kind', async () => {
    const r = await check(`${FIXTURES}#fixture/classic-lost-update`, '--json');
    expect(r.code).toBe(0); // declared atomicity
    const line = JSON.parse(r.out) as { failure: { kind: string; message: string }; warnings: unknown[] };
    expect(line.failure.kind).toBe('atomicity');
    expect(line.failure.message).toMatch(/lost update on cell 'counter'/);
  });

  it('--races strict restores data-race on the unordered pair; the replay line carries the flag', async () => {
    const r = await explore(sharedFlags, { races: 'strict', iterations: 300 });
    expect(r.failure?.kind).toBe('data-race');
    expect(r.failure?.message).toMatch(/data race on cell 'stopped'/);
    expect(r.failure?.replayFlags).toEqual(['--races', 'strict']);
    expect((await replay(sharedFlags, r.failure!.token)).failure).toBeUndefined();
    expect((await replay(sharedFlags, r.failure!.token, { races: 'strict' })).failure?.kind).toBe('data-race');
    const cli = await check(`${FIXTURES}#fixture/shared-flags`, '--races', 'strict');
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/data-race in fixture\/shared-flags/);
    expect(cli.out).toMatch(/replay: npx heddle replay test\/fixtures\/atomicity\.ts#fixture\/shared-flags heddle2:\S+ --races strict/);
    const out = recordingOutput();
    const token = /replay: npx heddle replay \S+ (heddle2:\S+)/.exec(cli.out)![1]!;
    expect(await runCommand('replay', [`${FIXTURES}#fixture/shared-flags`, token, '--races', 'strict'], out)).toBe(1);
    expect(out.out.join('\n')).toMatch(/data-race/);
    // The replay's own replay line carries the flag too: pasted, it fails again.
    expect(out.out.join('\n')).toMatch(new RegExp(`replay: npx heddle replay \\S+ ${token} --races strict`));
    expect((await replay(sharedFlags, token, { races: 'strict' })).failure?.replayFlags).toEqual(['--races', 'strict']);
    // The lost update outranks the race under strict: it says more.
    expect((await explore(classicLostUpdate, { races: 'strict', iterations: 300 })).failure?.kind).toBe('atomicity');
  });

  it("a scenario's own races: 'strict' fails on the race by default, and its replay needs no flag", async () => {
    const r = await explore(racyButPassing, { iterations: 50 });
    expect(r.failure?.kind).toBe('data-race');
    expect(r.failure?.replayFlags).toBeUndefined();
    expect((await explore(racyButPassing, { iterations: 50, races: 'warn' })).failure).toBeUndefined();
  });

  it('--races off passes the lost update and the flags, with no warning', async () => {
    for (const s of [classicLostUpdate, sharedFlags]) {
      const r = await explore(s, { races: 'off', strategy: 'dpor' });
      expect(r.verdict).toBe('pass');
      expect(r.complete).toBe(true);
      expect(r.warnings).toBeUndefined();
    }
    const cli = await check(`${FIXTURES}#fixture/classic-lost-update`, '--races', 'off');
    expect(cli.code).toBe(1); // declared atomicity, found none
  });

  it('a bad --races value is one line and exit 2', async () => {
    const r = await check(`${FIXTURES}#fixture/shared-flags`, '--races', 'loud');
    expect(r.code).toBe(2);
    expect(r.err).toBe("heddle check: --races must be one of strict, warn, off, got 'loud'");
  });
});
