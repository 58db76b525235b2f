import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBin, runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { replayCommand, rerunCommand, shellQuote } from '../../src/report/command.ts';

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
    expect(r.out).toMatch(/replay: npx heddle replay test\/fixtures\/programs\.ts#fixture\/lost-update heddle2:/);
  });

  it("shows the assertion's values, not only its first line, and says 1 preemption, 1 schedule", async () => {
    const r = await run('check', `${FIXTURES}#fixture/lost-update`, '--strategy', 'random', '--seed', '1');
    expect(r.out).toMatch(/threw: AssertionError: Expected values to be strictly equal:\n\s+1 !== 2\n/);
    expect(r.out).not.toMatch(/\b1 (preemptions|schedules|steps)\b/);
    expect(r.out).toMatch(/ 1 preemption\b/);
  });

  it('checks several targets (what a glob expands to) once each, with one summary', async () => {
    const r = await run('check', `${FIXTURES}#fixture/lost-update`, `${FIXTURES}#fixture/spinner`, `${FIXTURES}#fixture/lost-update`, '--iterations', '50');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('✓')).map((l) => l.split(/\s+/)[1])).toEqual(['fixture/lost-update', 'fixture/spinner']);
    expect(r.out).toMatch(/all 2 scenarios behaved as declared/);
  });

  it('checks every scenario file of a folder, recursively', async () => {
    const byFolder = await run('check', 'scenarios', '--list');
    const byGroup = await run('check', '--list');
    expect(byFolder.code).toBe(0);
    const names = (out: string) => out.split('\n').map((l) => l.split(/\s+/)[0]).sort();
    expect(names(byFolder.out)).toEqual(names(byGroup.out));
    expect(names(byFolder.out).length).toBeGreaterThan(1);
  });

  it('runs every scenario of a file, one line each', async () => {
    const r = await run('check', FIXTURES, '--iterations', '300');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('✓')).length).toBe(11);
  });

  it('exits 1 when an expected bug is not found', async () => {
    const r = await run('check', 'test/fixtures/mislabelled.ts', '--iterations', '20');
    expect(r.code).toBe(1);
    // Its one task at a time never leaves a choice: one execution is all there is, and the line says so.
    expect(r.out).toMatch(/got pass \(complete\)\s+1 schedule .*no choice: one task alone could run at every scheduling point, so one execution is all there is/);
    expect(r.out).toMatch(/expected assertion but no failure was found in what this search covered/);
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
    [['test/support'], /holds no scenario file that exports a scenario/],
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
    const malformed = await run('replay', `${FIXTURES}#fixture/lost-update`, 'heddle2:00:zz');
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/damaged token/);
    const other = await run('replay', `${FIXTURES}#fixture/opposite-locks`, token);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/made for scenario 'fixture\/lost-update', not 'fixture\/opposite-locks'/);
  });

  it('reports divergence when the schedule no longer fits the code', async () => {
    const token = await tokenOf('fixture/opposite-locks');
    // The same name over a different body: the schedule asks for tasks that do not exist.
    const r = await run('replay', 'test/fixtures/changed.ts#fixture/opposite-locks', token);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/the schedule no longer fits the code of 'fixture\/opposite-locks': replay diverged at step \d+: the schedule says task \d/);
  });

  it('needs two arguments', async () => {
    const r = await run('replay', 'basics/lost-update');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/needs a scenario and a token or seed/);
  });
});

describe('the heddle bin', () => {
  async function bin(...args: string[]) {
    const out = recordingOutput();
    const code = await runBin(args, out);
    return { code, out: out.out.join('\n'), err: out.err.join('\n') };
  }

  it('bare heddle, help, --help and -h print the usage of every command, exit 0', async () => {
    for (const args of [[], ['help'], ['--help'], ['-h']]) {
      const r = await bin(...args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/usage: npx heddle check \[target\.\.\.\]/);
      expect(r.out).toMatch(/usage: npx heddle replay/);
      expect(r.out).toMatch(/usage: npx heddle merge/);
      expect(r.out).not.toMatch(/npx tsx/);
    }
    expect((await bin('help', 'replay')).out).toMatch(/^usage: npx heddle replay/);
    expect((await bin('check', '--help')).out).toMatch(/^usage: npx heddle check/);
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await bin(flag)).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it('an unknown command is one line, exit 2', async () => {
    const r = await bin('chekc');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^heddle: unknown command 'chekc'/);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it("this repo's entry points print npx tsx in usage", async () => {
    const out = recordingOutput();
    expect(await runCommand('check', ['--help'], out, 'npx tsx')).toBe(0);
    expect(out.out.join('\n')).toMatch(/^usage: npx tsx check/);
  });
});

describe('replay lines', () => {
  it('quote odd arguments for a POSIX shell', () => {
    const rerun = { cli: 'npx heddle' as const, target: "dir/it's.ts#a b" };
    expect(replayCommand(rerun, 'heddle1:ab:CD')).toBe(`npx heddle replay 'dir/it'\\''s.ts#a b' heddle1:ab:CD`);
    expect(rerunCommand({ cli: 'npx tsx', target: 'basics/lost-update' }, 'pct', '7')).toBe('npx tsx check basics/lost-update --strategy pct --seed 7');
    expect(replayCommand({ cli: 'npx heddle', target: '-x' }, 't')).toBe('npx heddle replay -- -x t');
    expect(shellQuote('#x')).toBe(`'#x'`);
    for (const hostile of [`it's "odd"`, '$HOME `id` \\ !', '#hash', 'ü ☃ 名', 'a\nb', '']) {
      const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(hostile)}`], { encoding: 'utf8' });
      expect(echoed.stdout).toBe(hostile);
    }
  });

  // A scenario file outside scenarios/ (and outside the repo), with a name a shell would mangle.
  const dir = mkdtempSync(join(tmpdir(), 'heddle-cli-'));
  const folder = join(dir, 'a #dir');
  mkdirSync(folder);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const HOSTILE = `it's "odd" #1 $HOME \`id\` ü`;
  const file = join(folder, "it's here.ts");
  writeFileSync(file, [
    `import assert from 'node:assert/strict';`,
    `import { scenario, Shared, spawn } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'src/index.ts')).href)};`,
    `const body = async () => {`,
    `  const c = new Shared(0, 'c');`,
    `  const inc = async () => { const v = await c.get(); await c.set(v + 1); };`,
    `  const ts = [spawn(inc, 'a'), spawn(inc, 'b')];`,
    `  for (const t of ts) await t.join();`,
    `  assert.equal(await c.get(), 2, 'both increments land');`,
    `};`,
    `export const plain = scenario('outside/lost-update', body, { expect: 'assertion' });`,
    `export const hostile = scenario(${JSON.stringify(HOSTILE)}, body, { expect: 'assertion' });`,
  ].join('\n'));
  const target = relative(process.cwd(), file);

  function sh(line: string) {
    return spawnSync('sh', ['-c', line], { encoding: 'utf8', timeout: 120_000 });
  }

  for (const name of ['outside/lost-update', HOSTILE]) {
    it(`the printed replay and rerun lines reproduce the failure when pasted into sh (${JSON.stringify(name)})`, () => {
      const checked = spawnSync(process.execPath, ['src/cli/bin.mjs', 'check', `${target}#${name}`, '--strategy', 'random'], { encoding: 'utf8', timeout: 120_000 });
      expect(checked.stderr).toBe('');
      expect(checked.status).toBe(0);
      const token = /heddle2:\S+/.exec(checked.stdout)![0];
      const replayLine = /^ {2}replay: (.*)$/m.exec(checked.stdout)![1]!;
      const rerunLine = /^ {2}rerun this execution first: (.*)$/m.exec(checked.stdout)![1]!;
      expect(replayLine).toBe(`npx heddle replay ${shellQuote(`${target}#${name}`)} ${token}`);
      const replayed = sh(replayLine);
      expect(replayed.stderr).toBe('');
      expect(replayed.status).toBe(0);
      expect(replayed.stdout).toContain(`assertion in ${name}`);
      expect(replayed.stdout).toContain('both increments land');
      expect(replayed.stdout).toContain(`replay: ${replayLine}`);
      const rerun = sh(rerunLine);
      expect(rerun.status).toBe(0);
      expect(rerun.stdout).toContain(`assertion in ${name}`);
      expect(rerun.stdout).toContain(`rerun this execution first: ${rerunLine}`);
    });
  }

  it('--json and the HTML report carry the same line', async () => {
    const report = join(dir, 'report.html');
    // In a child process: vite's loader (this test's) cannot import a path holding '#'.
    const check = (...args: string[]) => spawnSync(process.execPath, ['src/cli/bin.mjs', 'check', `${target}#${HOSTILE}`, '--seed', '3', ...args], { encoding: 'utf8', timeout: 120_000 });
    const json = check('--json', '--report', report);
    expect(json.stderr.trim()).toBe(`wrote ${report}`);
    const line = JSON.parse(json.stdout).failure.replay as string;
    expect(check().stdout).toContain(`replay: ${line}`);
    expect(line).toMatch(/^npx heddle replay '/);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain(line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
  });
});

describe('entry points', () => {
  it("npx tsx check names a bundled scenario by its name in the replay line, npx tsx prefix", () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'check.ts', 'basics/lost-update'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}replay: npx tsx replay basics\/lost-update heddle2:\S+$/m);
    expect(r.stdout).toMatch(/^ {2}rerun this execution first: npx tsx check basics\/lost-update --strategy \S+ --seed \S+$/m);
  });

  it('npx tsx check exits 2 with one line for an unknown scenario, and never hangs', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'check.ts', 'definitely-missing'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a reader that closes the pipe early ends the run quietly, with no stack trace', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" --import tsx check.ts --list | head -1`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|at /);
  });

  it('npx tsx replay exits 2 for a token of an older heddle', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'replay.ts', 'basics/lost-update', 'heddle1:garbage'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/made by an older heddle/);
  });

  it('the heddle bin runs check', () => {
    const r = spawnSync(process.execPath, ['src/cli/bin.mjs', 'check', 'basics/lost-update', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).asExpected).toBe(true);
  });
});
