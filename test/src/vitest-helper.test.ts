import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scenario } from 'heddle';
import { expectFailure, expectNoFailure } from 'heddle/vitest';
import { lostUpdate, safeCounter } from '../fixtures/programs.ts';

describe('heddle/vitest', () => {
  it('expectNoFailure passes a correct scenario', async () => {
    const r = await expectNoFailure(safeCounter, { iterations: 100 });
    expect(r.schedulesRun).toBe(100);
  });

  it('expectNoFailure fails with the trace table, seed and replay command in the message', async () => {
    const err = await expectNoFailure(lostUpdate, { strategy: 'random', seed: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/heddle found a failure in 'fixture\/lost-update'/);
    expect(message).toMatch(/step │ main \(0\)/);
    expect(message).toMatch(/seed \d+/);
    // the CLI line names the file that exports the scenario; the API form works in any test
    const line = /^ {2}replay: (npx tsx replay test\/fixtures\/programs\.ts#fixture\/lost-update heddle2:\S+)$/m.exec(message)?.[1];
    expect(line).toBeDefined();
    const token = /heddle2:\S+/.exec(line!)![0];
    expect(message).toContain(`in a test: await replay(scenario, '${token}')`);
    // the stack starts at this test's line, so vitest's code frame shows it, not heddle's helper
    const frames = (err as Error).stack!.split('\n').filter((l) => /^\s+at /.test(l));
    expect(frames[0]).toContain('test/src/vitest-helper.test.ts');
    expect((err as Error).stack).not.toMatch(/src\/vitest\.ts/);
    // and the printed line, pasted into a shell, replays the same failure
    const replayed = spawnSync('sh', ['-c', line!], { encoding: 'utf8', timeout: 120_000 });
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toContain('assertion in fixture/lost-update');
  });

  it('gives only the API form for a scenario no file exports (the CLI could not load it)', async () => {
    const unexported = scenario('fixture/in-a-test', async () => {
      throw new Error('always');
    });
    const message = ((await expectNoFailure(unexported).catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(/^ {2}replay: await replay\(scenario, 'heddle2:\S+'\)$/m);
    expect(message).not.toMatch(/npx/);
  });

  it('expectFailure returns the failure of the expected kind and rejects another kind', async () => {
    const f = await expectFailure(lostUpdate, 'assertion');
    expect(f.token).toMatch(/^heddle2:/);
    await expect(expectFailure(lostUpdate, 'deadlock')).rejects.toThrow(/expected deadlock in 'fixture\/lost-update' but found assertion/);
    await expect(expectFailure(safeCounter, 'assertion', { iterations: 20 })).rejects.toThrow(/none was found in 20 schedules/);
  });
});
