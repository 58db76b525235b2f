import assert from 'node:assert/strict';
import { scenario, type Scenario } from 'heddle';
import { SqliteJobStore, type SqlDriver } from '../../models/job-store/sqlite.ts';
import { sqliteModel } from '../../models/job-store/sqlite-model.ts';
import { EXPIRY_MS, consistent } from '../../models/job-store/types.ts';
import { CAP, capRace, crashable, crashMidway, evictRacesRestart, finishedMakeRoom, fullAfterExpiry, idsFor, updateEvictDelete, type StoreWorld } from '../redis/harness.ts';

/** One SQLite database (the real engine in memory, one step per statement or transaction) shared by several processes. */
function sqliteWorld(): StoreWorld {
  const db = sqliteModel();
  const store = (driver: SqlDriver, process: string) => new SqliteJobStore(driver, CAP, EXPIRY_MS, { newId: idsFor(process) });
  return {
    process: (name, crash) => store(crash ? crashable(db, crash) : db, name),
    async check(cap) {
      const { n } = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs'))!;
      assert.ok(n <= cap, `${n} rows, cap ${cap}`);
      const listed = await store(db, 'checker').list();
      for (const job of listed) assert.ok(consistent(job), `a torn job: ${job.status} at ${job.progress}%`);
    },
  };
}

// The same races as scenarios/redis/store.ts, on SqliteJobStore: every operation one statement or
// one transaction, so all of them hold (dpor verifies each; see test/models/store-scenarios.test.ts).
const races: [name: string, harness: (world: StoreWorld) => Promise<void>, description: string][] = [
  ['cap-race', capRace, 'two creates with one slot left: one fits'],
  ['finished-make-room', finishedMakeRoom, 'jobs finished MIN_READABLE_MS ago make room for two creates at the cap'],
  ['full-after-expiry', fullAfterExpiry, 'a day later: create, a late update and cleanup race; expired jobs make room'],
  ['crash-orphans', crashMidway, 'a process killed between any two statements leaves no half-made job'],
  ['update-evict-delete', updateEvictDelete, 'an update racing a delete and an eviction brings no job back'],
  ['evict-races-restart', evictRacesRestart, 'eviction at the cap never takes a job set running again meanwhile'],
];

export const sqliteStore: Scenario[] = races.map(([name, harness, description]) =>
  scenario(`sqlite/${name}`, () => harness(sqliteWorld()), { expect: 'pass', description }));
