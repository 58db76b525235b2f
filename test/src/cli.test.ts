import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';

const FIXTURES = 'test/fixtures/programs.ts';

async function run(command: 'check' | 'replay', ...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand(command, args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n') };
}

async function tokenOf(name: string): Promise<string> {
  const r = await run('check', `${FIXTURES}#${name}`, '--json');
  return JSON.parse(r.out).failure.token as string;
}

describe('check', () => {
  it('exits 0 when a scenario behaves as declared and prints the trace and replay command', async () => {
    const r = await run('check', `${FIXTURES}#fixture/lost-update`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/assertion in fixture\/lost-update/);
    expect(r.out).toMatch(/step │ main \(0\)/);
    expect(r.out).toMatch(/replay: npx heddle replay test\/fixtures\/programs\.ts#fixture\/lost-update heddle1:/);
  });

  it('runs every scenario of a file, one line each', async () => {
    const r = await run('check', FIXTURES, '--iterations', '300');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('✓')).length).toBe(11);
  });

  it('exits 1 when an expected bug is not found', async () => {
    const r = await run('check', 'test/fixtures/mislabelled.ts', '--iterations', '20');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/expected assertion but no failure was found in 20 schedules/);
  });

  it('--json prints one object per scenario', async () => {
    const r = await run('check', `${FIXTURES}#fixture/opposite-locks`, '--json');
    const obj = JSON.parse(r.out);
    expect(obj).toMatchObject({ scenario: 'fixture/opposite-locks', expect: 'deadlock', verdict: 'fail', asExpected: true });
    expect(obj.failure.kind).toBe('deadlock');
    expect(obj.failure.trace.length).toBeGreaterThan(0);
  });

  it('--list lists without running', async () => {
    const r = await run('check', FIXTURES, '--list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fixture\/spinner\s+expect livelock/);
  });

  const bad: [string[], RegExp][] = [
    [['no-such-scenario'], /unknown scenario 'no-such-scenario'/],
    [['basics/lost-updat'], /did you mean basics\/lost-update/],
    [[FIXTURES, '--iterations', '0'], /--iterations must be between 1/],
    [[FIXTURES, '--iterations', 'many'], /--iterations expects a whole number/],
    [[FIXTURES, '--strategy', 'magic'], /--strategy must be one of/],
    [[FIXTURES, '--bogus'], /Unknown option '--bogus'/],
    [['test/fixtures/broken-scenario.ts'], /broken-scenario.ts failed to load: Error: this file is broken on purpose/],
    [['test/fixtures/nope.ts'], /no such file/],
    [[`${FIXTURES}#missing`], /has no scenario 'missing'/],
  ];
  for (const [args, why] of bad) {
    it(`bad input ${args.join(' ')} → one line, exit 2`, async () => {
      const r = await run('check', ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(why);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }
});

describe('replay', () => {
  it('replays a token to the same failure, exit 0 when as declared', async () => {
    const token = await tokenOf('fixture/lost-update');
    const r = await run('replay', `${FIXTURES}#fixture/lost-update`, token);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/assertion in fixture\/lost-update/);
    expect(r.out).toContain(token);
  });

  it('refuses a malformed token and a token for another scenario with exit 2', async () => {
    const token = await tokenOf('fixture/lost-update');
    const malformed = await run('replay', `${FIXTURES}#fixture/lost-update`, 'heddle1:00:zz');
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/malformed token/);
    const other = await run('replay', `${FIXTURES}#fixture/opposite-locks`, token);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/made for another scenario/);
  });

  it('reports divergence when the schedule no longer fits the code', async () => {
    const token = await tokenOf('fixture/opposite-locks');
    // The same name over a different body: the schedule asks for tasks that do not exist.
    const r = await run('replay', 'test/fixtures/changed.ts#fixture/opposite-locks', token);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nondeterminism/);
    expect(r.out).toMatch(/replay diverged at step \d+: the schedule says task \d/);
  });

  it('needs two arguments', async () => {
    const r = await run('replay', 'basics/lost-update');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/needs a scenario and a token or seed/);
  });
});

describe('entry points', () => {
  it('npx tsx check exits 2 with one line for an unknown scenario, and never hangs', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'check.ts', 'definitely-missing'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('npx tsx replay exits 2 for a malformed token', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'replay.ts', 'basics/lost-update', 'heddle1:garbage'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/malformed token/);
  });

  it('the heddle bin runs check', () => {
    const r = spawnSync(process.execPath, ['src/cli/bin.mjs', 'check', 'basics/lost-update', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).asExpected).toBe(true);
  });
});
