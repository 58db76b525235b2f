import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../models/job-store/sqlite.ts';
import { consistent, StoreFullError } from '../../models/job-store/types.ts';

describe('SQLite job store (a real database file)', () => {
  it('keeps jobs across a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'heddle-sqlite-')), 'jobs.db');
    const first = new SqliteJobStore(file);
    const job = await first.create();
    await first.update(job.id, { status: 'running', progress: 40, message: 'working' });
    first.close();
    const second = new SqliteJobStore(file);
    expect(await second.get(job.id)).toMatchObject({ id: job.id, status: 'running', progress: 40, message: 'working' });
    expect((await second.list()).map((j) => j.id)).toEqual([job.id]);
    second.close();
  });

  it('updates of a deleted job change nothing; the limit holds; answers are consistent', async () => {
    const store = new SqliteJobStore(join(mkdtempSync(join(tmpdir(), 'heddle-sqlite-')), 'jobs.db'), 2);
    const a = await store.create();
    expect(await store.delete(a.id)).toBe(true);
    expect(await store.update(a.id, { progress: 10 })).toBe(false);
    expect(await store.get(a.id)).toBeUndefined();
    const b = await store.create();
    await store.create();
    await expect(store.create()).rejects.toBeInstanceOf(StoreFullError);
    await store.update(b.id, { status: 'done', progress: 100, message: 'finished' });
    const c = await store.create(); // the finished job makes room
    expect(await store.get(b.id)).toBeUndefined();
    expect((await store.list()).every(consistent)).toBe(true);
    expect((await store.list()).map((j) => j.id)).toContain(c.id);
    store.close();
  });
});
