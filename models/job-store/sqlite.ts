import Database from 'better-sqlite3';
import { now } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

/**
 * The job store on SQLite (better-sqlite3), the embedded default: jobs survive a restart. Every
 * operation is one statement or one transaction, and SQLite runs them one at a time, so a reader
 * never sees a half-updated job, the limit holds, and an update of a deleted job changes nothing.
 */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;

  constructor(file: string, readonly maxJobs = MAX_JOBS, readonly expiryMs = EXPIRY_MS) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS jobs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, status TEXT NOT NULL,
      message TEXT NOT NULL, progress INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
  }

  private readonly createTx = () => this.db.transaction((createdAt: number): Job => {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
    if (n >= this.maxJobs) {
      this.db.prepare('DELETE FROM jobs WHERE created_at <= ?').run(createdAt - this.expiryMs);
      const oldest = this.db.prepare("SELECT seq FROM jobs WHERE status IN ('done', 'failed') ORDER BY created_at, seq LIMIT 1").get() as { seq: number } | undefined;
      const { n: left } = this.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
      if (left >= this.maxJobs && oldest === undefined) throw new StoreFullError(`at most ${this.maxJobs} jobs, none finished`);
      if (left >= this.maxJobs) this.db.prepare('DELETE FROM jobs WHERE seq = ?').run(oldest!.seq);
    }
    const seq = (this.db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM jobs").get() as { s: number }).s;
    const job: Job = { id: `job-${seq}-${createdAt.toString(36)}`, status: 'pending', message: '', progress: 0, createdAt };
    this.db.prepare('INSERT INTO jobs (id, status, message, progress, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(job.id, job.status, job.message, job.progress, job.createdAt);
    return job;
  });

  async create(): Promise<Job> {
    return this.createTx()(now());
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.db.prepare('SELECT id, status, message, progress, created_at FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && toJob(row);
  }

  async update(id: string, patch: JobPatch): Promise<boolean> {
    const r = this.db.prepare(`UPDATE jobs SET status = COALESCE(?, status), message = COALESCE(?, message),
      progress = COALESCE(?, progress) WHERE id = ?`).run(patch.status ?? null, patch.message ?? null, patch.progress ?? null, id);
    return r.changes > 0;
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes > 0;
  }

  async list(): Promise<Job[]> {
    return (this.db.prepare('SELECT id, status, message, progress, created_at FROM jobs ORDER BY seq').all() as Row[]).map(toJob);
  }

  async cleanup(): Promise<number> {
    return this.db.prepare('DELETE FROM jobs WHERE created_at <= ?').run(now() - this.expiryMs).changes;
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
