import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../models/job-store/sqlite.ts';
import { consistent, EXPIRY_MS, StoreFullError } from '../../models/job-store/types.ts';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'heddle-sqlite-')), 'jobs.db');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite job store (a real database file)', () => {
  it('keeps jobs across a restart', async () => {
    const file = dbFile();
    const first = new SqliteJobStore(file);
    const job = await first.create();
    await first.update(job.id, { status: 'running', progress: 40, message: 'working' });
    first.close();
    const second = new SqliteJobStore(file);
    expect(await second.get(job.id)).toMatchObject({ id: job.id, status: 'running', progress: 40, message: 'working' });
    expect((await second.list()).map((j) => j.id)).toEqual([job.id]);
    second.close();
  });

  it('updates of a deleted job change nothing; the limit holds; a finished job makes room and answers evicted', async () => {
    const store = new SqliteJobStore(dbFile(), 2, EXPIRY_MS, { minReadableMs: 0 });
    const a = await store.create();
    expect(await store.delete(a.id)).toBe(true);
    expect(await store.update(a.id, { progress: 10 })).toBe(false);
    expect(await store.get(a.id)).toBeUndefined();
    expect(await store.lookup(a.id)).toBeUndefined(); // deleted by a client: not evicted
    const b = await store.create();
    await store.create();
    await expect(store.create()).rejects.toBeInstanceOf(StoreFullError);
    await store.update(b.id, { status: 'done', progress: 100, message: 'finished' });
    const c = await store.create(); // the finished job makes room
    expect(await store.get(b.id)).toBeUndefined();
    expect(await store.lookup(b.id)).toBe('evicted');
    expect(await store.lookup(c.id)).toMatchObject({ id: c.id, status: 'pending' });
    expect(await store.lookup('never-was')).toBeUndefined();
    expect((await store.list()).every(consistent)).toBe(true);
    expect((await store.list()).map((j) => j.id)).toContain(c.id);
    store.close();
  });

  it('a job finished less than minReadableMs ago stays; the oldest finish goes first once old enough', async () => {
    const store = new SqliteJobStore(dbFile(), 2, EXPIRY_MS, { minReadableMs: 150 });
    const first = await store.create();
    const second = await store.create();
    await store.update(second.id, { status: 'failed', message: 'boom' });
    await pause(20);
    await store.update(first.id, { status: 'done', progress: 100 });
    await store.update(first.id, { message: 'a later note does not move its finish' });
    await expect(store.create()).rejects.toBeInstanceOf(StoreFullError);
    expect(await store.get(second.id)).toMatchObject({ status: 'failed' });
    await pause(200);
    await store.create();
    expect(await store.lookup(second.id)).toBe('evicted'); // finished first
    expect(await store.get(first.id)).toMatchObject({ status: 'done' });
    store.close();
  });

  it('ids never repeat: a delete and a create in the same millisecond get a new id', async () => {
    const store = new SqliteJobStore(dbFile());
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const job = await store.create();
      expect(seen.has(job.id)).toBe(false);
      seen.add(job.id);
      await store.delete(job.id);
    }
    expect([...seen][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    store.close();
  });

  it('recover(): jobs a dead process left pending or running become failed with the message, after a restart; then they make room', async () => {
    const file = dbFile();
    const dead = new SqliteJobStore(file, 3, EXPIRY_MS, { minReadableMs: 0 });
    const running = await dead.create();
    await dead.update(running.id, { status: 'running', progress: 40, message: 'working' });
    const pending = await dead.create();
    const done = await dead.create();
    await dead.update(done.id, { status: 'done', progress: 100 });
    dead.close(); // the process dies with two jobs unfinished
    const restarted = new SqliteJobStore(file, 3, EXPIRY_MS, { minReadableMs: 0 });
    expect(await restarted.recover('interrupted: the server stopped')).toBe(2);
    expect(await restarted.get(running.id)).toMatchObject({ status: 'failed', message: 'interrupted: the server stopped', progress: 40 });
    expect(await restarted.get(pending.id)).toMatchObject({ status: 'failed', message: 'interrupted: the server stopped' });
    expect(await restarted.get(done.id)).toMatchObject({ status: 'done', message: '' });
    expect(await restarted.recover('again')).toBe(0);
    for (let i = 0; i < 3; i++) await restarted.create(); // the three finished jobs make room
    expect((await restarted.list()).map((j) => j.status)).toEqual(['pending', 'pending', 'pending']);
    restarted.close();
  });

  it('expired jobs are invisible at once, answer evicted, and make room', async () => {
    const store = new SqliteJobStore(dbFile(), 1, 50);
    const old = await store.create();
    await expect(store.create()).rejects.toBeInstanceOf(StoreFullError);
    await pause(80);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(await store.update(old.id, { progress: 5 })).toBe(false);
    expect(await store.lookup(old.id)).toBe('evicted');
    const fresh = await store.create();
    expect((await store.list()).map((j) => j.id)).toEqual([fresh.id]);
    expect(await store.lookup(old.id)).toBe('evicted'); // remembered after it was removed
    store.close();
  });

  it('opens a database from before finished_at: old finished jobs count as finished at the upgrade', async () => {
    const file = dbFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, status TEXT NOT NULL,
      message TEXT NOT NULL, progress INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
    old.prepare('INSERT INTO jobs (id, status, message, progress, created_at) VALUES (?, ?, ?, ?, ?)').run('job-1-x', 'done', '', 100, Date.now() - 1000);
    old.close();
    const store = new SqliteJobStore(file, 1, EXPIRY_MS, { minReadableMs: 100 });
    expect(await store.get('job-1-x')).toMatchObject({ status: 'done', progress: 100 });
    await expect(store.create()).rejects.toBeInstanceOf(StoreFullError); // readable for minReadableMs after the upgrade
    await pause(150);
    await store.create();
    expect(await store.lookup('job-1-x')).toBe('evicted');
    store.close();
  });
});
