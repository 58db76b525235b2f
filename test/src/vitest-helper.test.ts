import { describe, expect, it } from 'vitest';
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
    expect(message).toMatch(/replay: npx tsx replay fixture\/lost-update heddle2:/);
  });

  it('expectFailure returns the failure of the expected kind and rejects another kind', async () => {
    const f = await expectFailure(lostUpdate, 'assertion');
    expect(f.token).toMatch(/^heddle2:/);
    await expect(expectFailure(lostUpdate, 'deadlock')).rejects.toThrow(/expected deadlock in 'fixture\/lost-update' but found assertion/);
    await expect(expectFailure(safeCounter, 'assertion', { iterations: 20 })).rejects.toThrow(/none was found in 20 schedules/);
  });
});
