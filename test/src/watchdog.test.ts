import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';

const SPIN = 'test/fixtures/spin.ts#fixture/spin';

async function run(command: 'check' | 'replay', ...args: string[]) {
  const out = recordingOutput();
  const started = performance.now();
  const code = await runCommand(command, args, out);
  return { code, out: out.out.join('\n'), err: out.err.join('\n'), ms: performance.now() - started };
}

describe('the watchdog', () => {
  it('stops an endless synchronous loop within the limit: a livelock naming the task and its place, whose replay is stopped the same way', async () => {
    const r = await run('check', SPIN, '--timeout', '2');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/livelock in fixture\/spin/);
    expect(r.out).toMatch(/task 1 'spinner' ran for more than 2 s without reaching a scheduling point after resuming at test\/fixtures\/spin\.ts:8/);
    // The limit, plus worker start-ups (a loaded machine boots a worker in seconds) — never unbounded.
    expect(r.ms).toBeLessThan(60_000);
    const token = /replay: .* (heddle2:\S+)/.exec(r.out)?.[1];
    expect(token).toBeDefined();
    const again = await run('replay', SPIN, token!, '--timeout', '2');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/task 1 'spinner' ran for more than 2 s without reaching a scheduling point after resuming at test\/fixtures\/spin\.ts:8/);
    expect(again.out).toMatch(/expected pass: NOT as declared/);
    expect(r.out).not.toMatch(/virtual clock/);
  }, 120_000);

  it('says why a busy wait on the virtual clock never ends', async () => {
    const r = await run('check', 'test/fixtures/spin.ts#fixture/busy-clock', '--timeout', '1');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/The virtual clock does not move inside synchronous code: a loop that waits for Date\.now\(\)/);
  }, 120_000);

  it('ends the process too (the bin, as a user runs it): exit 1, no hang', () => {
    const r = spawnSync(process.execPath, ['src/cli/bin.mjs', 'check', SPIN, '--timeout', '1', '--strategy', 'dfs'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/livelock in fixture\/spin/);
  }, 120_000);

  it('leaves the normal scenarios as they were: same verdicts and counts under the watchdog and without it', async () => {
    for (const target of ['test/fixtures/programs.ts#fixture/lost-update', 'test/fixtures/fixed-counter.ts']) {
      const watched = JSON.parse((await run('check', target, '--strategy', 'dfs', '--json')).out);
      const plain = JSON.parse((await run('check', target, '--strategy', 'dfs', '--json', '--timeout', '0')).out);
      expect(watched.verdict).toBe(plain.verdict);
      expect(watched.schedulesRun).toBe(plain.schedulesRun);
      expect(watched.failure?.token ?? null).toBe(plain.failure?.token ?? null);
      expect(watched.asExpected).toBe(true);
    }
  }, 120_000);

  it('--timeout is a whole number of seconds', async () => {
    const r = await run('check', SPIN, '--timeout', 'soon');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--timeout expects a whole number, got 'soon'/);
  });
});
