import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { now } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, MIN_READABLE_MS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

export type SqlParam = string | number | null;

/** Statements inside a transaction: synchronous, so nothing else runs until it commits. */
export interface SqlStatements {
  run(sql: string, ...params: SqlParam[]): { changes: number };
  get<T>(sql: string, ...params: SqlParam[]): T | undefined;
  all<T>(sql: string, ...params: SqlParam[]): T[];
}

/**
 * How SqliteJobStore reaches its database: one statement per call, or one transaction whose
 * body is synchronous (so it is atomic in this process, and SQLite serialises it against other
 * processes). `betterSqlite` is the production driver; `sqliteModel` (sqlite-model.ts) runs the
 * same statements on an in-memory database with one heddle step per call.
 */
export interface SqlDriver {
  run(sql: string, ...params: SqlParam[]): Promise<{ changes: number }>;
  get<T>(sql: string, ...params: SqlParam[]): Promise<T | undefined>;
  all<T>(sql: string, ...params: SqlParam[]): Promise<T[]>;
  transaction<T>(body: (sql: SqlStatements) => T): Promise<T>;
  /** Schema setup at open, before the store is shared: synchronous, not a step. */
  setup(body: (sql: SqlStatements) => void): void;
  close(): void;
}

/** better-sqlite3 on a file: every call runs at once (the promises only carry the result). */
export function betterSqlite(file: string): SqlDriver {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const prepared = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = prepared.get(sql);
    if (s === undefined) prepared.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const sql: SqlStatements = {
    run: (text, ...params) => ({ changes: prepare(text).run(...params).changes }),
    get: <T>(text: string, ...params: SqlParam[]) => prepare(text).get(...params) as T | undefined,
    all: <T>(text: string, ...params: SqlParam[]) => prepare(text).all(...params) as T[],
  };
  return {
    run: async (text, ...params) => sql.run(text, ...params),
    get: async (text, ...params) => sql.get(text, ...params),
    all: async (text, ...params) => sql.all(text, ...params),
    // BEGIN IMMEDIATE: the write lock first, so a transaction that reads then writes never meets
    // another process's commit in between (SQLITE_BUSY_SNAPSHOT under WAL); it waits for it instead.
    transaction: async (body) => db.transaction(() => body(sql)).immediate(),
    setup: (body) => body(sql),
    close: () => db.close(),
  };
}

export interface SqliteJobStoreOptions {
  /** New job ids, unique for ever (a deleted id is never handed out again). Default randomUUID. */
  readonly newId?: () => string;
  readonly minReadableMs?: number;
}

const COLUMNS = 'id, status, message, progress, created_at';
const FINISHED = "('done', 'failed')";

/**
 * The job store on SQLite (better-sqlite3), the embedded default: jobs survive a restart. Every
 * operation is one statement or one transaction, and SQLite runs them one at a time, so a reader
 * never sees a half-updated job, the limit holds, and an update of a deleted job changes nothing.
 * A job older than the expiry is invisible (and removed by cleanup or the next create); a job
 * removed by the store (expiry, or eviction at the cap) is remembered in `evicted` for the expiry.
 */
export class SqliteJobStore implements JobStore {
  private readonly db: SqlDriver;
  private readonly newId: () => string;
  private readonly minReadableMs: number;

  constructor(file: string | SqlDriver, readonly maxJobs = MAX_JOBS, readonly expiryMs = EXPIRY_MS, options: SqliteJobStoreOptions = {}) {
    this.db = typeof file === 'string' ? betterSqlite(file) : file;
    this.newId = options.newId ?? (() => randomUUID());
    this.minReadableMs = options.minReadableMs ?? MIN_READABLE_MS;
    this.db.setup((sql) => {
      sql.run(`CREATE TABLE IF NOT EXISTS jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, status TEXT NOT NULL,
        message TEXT NOT NULL, progress INTEGER NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER)`);
      sql.run('CREATE TABLE IF NOT EXISTS evicted (id TEXT PRIMARY KEY, at INTEGER NOT NULL)');
      if (!sql.all<{ name: string }>('PRAGMA table_info(jobs)').some((c) => c.name === 'finished_at')) {
        // A database from before finished_at: its finished jobs count as finished now, so each
        // stays readable for minReadableMs after the upgrade, as the promise says.
        sql.run('ALTER TABLE jobs ADD COLUMN finished_at INTEGER');
        sql.run(`UPDATE jobs SET finished_at = ? WHERE status IN ${FINISHED}`, now());
      }
    });
  }

  /** Inside a transaction: expired jobs go (remembered as evicted), and so do tombstones past the expiry. */
  private expire(sql: SqlStatements, t: number): number {
    sql.run('DELETE FROM evicted WHERE at <= ?', t - this.expiryMs);
    sql.run('INSERT OR REPLACE INTO evicted (id, at) SELECT id, ? FROM jobs WHERE created_at <= ?', t, t - this.expiryMs);
    return sql.run('DELETE FROM jobs WHERE created_at <= ?', t - this.expiryMs).changes;
  }

  /**
   * At the cap, the oldest finished jobs whose finish is at least minReadableMs old make room;
   * with not enough of them, StoreFullError. One transaction: the count and the insert agree.
   */
  async create(): Promise<Job> {
    const t = now();
    const job: Job = { id: this.newId(), status: 'pending', message: '', progress: 0, createdAt: t };
    return this.db.transaction((sql) => {
      this.expire(sql, t);
      const { n } = sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')!;
      const excess = n + 1 - this.maxJobs;
      if (excess > 0) {
        const victims = sql.all<{ seq: number; id: string }>(`SELECT seq, id FROM jobs WHERE status IN ${FINISHED} AND finished_at <= ?
          ORDER BY finished_at, seq LIMIT ?`, t - this.minReadableMs, excess);
        if (victims.length < excess) throw new StoreFullError(`at most ${this.maxJobs} jobs, none finished ${this.minReadableMs} ms ago`);
        for (const v of victims) {
          sql.run('INSERT OR REPLACE INTO evicted (id, at) VALUES (?, ?)', v.id, t);
          sql.run('DELETE FROM jobs WHERE seq = ?', v.seq);
        }
      }
      sql.run('INSERT INTO jobs (id, status, message, progress, created_at) VALUES (?, ?, ?, ?, ?)',
        job.id, job.status, job.message, job.progress, job.createdAt);
      return job;
    });
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM jobs WHERE id = ? AND created_at > ?`, id, now() - this.expiryMs);
    return row && toJob(row);
  }

  async lookup(id: string): Promise<Job | 'evicted' | undefined> {
    const t = now();
    return this.db.transaction((sql) => {
      const row = sql.get<Row>(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`, id);
      if (row !== undefined && row.created_at > t - this.expiryMs) return toJob(row);
      if (row !== undefined) return 'evicted'; // expired, not yet removed
      return sql.get('SELECT 1 FROM evicted WHERE id = ? AND at > ?', id, t - this.expiryMs) === undefined ? undefined : 'evicted';
    });
  }

  /** One statement: finished_at is set when the status first becomes done or failed (and cleared if it leaves them). */
  async update(id: string, patch: JobPatch): Promise<boolean> {
    const t = now();
    const status = patch.status ?? null;
    const r = await this.db.run(`UPDATE jobs SET status = COALESCE(?, status), message = COALESCE(?, message),
      progress = COALESCE(?, progress),
      finished_at = CASE WHEN ? IS NULL THEN finished_at
        WHEN ? IN ${FINISHED} THEN COALESCE(CASE WHEN status IN ${FINISHED} THEN finished_at END, ?) ELSE NULL END
      WHERE id = ? AND created_at > ?`, status, patch.message ?? null, patch.progress ?? null, status, status, t, id, t - this.expiryMs);
    return r.changes > 0;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM jobs WHERE id = ? AND created_at > ?', id, now() - this.expiryMs)).changes > 0;
  }

  async list(): Promise<Job[]> {
    return (await this.db.all<Row>(`SELECT ${COLUMNS} FROM jobs WHERE created_at > ? ORDER BY seq`, now() - this.expiryMs)).map(toJob);
  }

  async cleanup(): Promise<number> {
    const t = now();
    return this.db.transaction((sql) => this.expire(sql, t));
  }

  /** Jobs a dead process left pending or running become failed with `message`; returns how many. */
  async recover(message: string): Promise<number> {
    const t = now();
    return (await this.db.run(`UPDATE jobs SET status = 'failed', message = ?, finished_at = ?
      WHERE status IN ('pending', 'running') AND created_at > ?`, message, t, t - this.expiryMs)).changes;
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  id: string;
  status: Job['status'];
  message: string;
  progress: number;
  created_at: number;
}

function toJob(row: Row): Job {
  return { id: row.id, status: row.status, message: row.message, progress: row.progress, createdAt: row.created_at };
}
