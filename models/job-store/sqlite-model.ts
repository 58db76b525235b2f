import { yieldNow } from 'heddle';
import { betterSqlite, type SqlDriver } from './sqlite.ts';

/**
 * SQLite as heddle sees it: the real engine (better-sqlite3 on a fresh in-memory database), with
 * a scheduling point before every statement and every transaction, so each is one atomic step and
 * a scenario explores every way several processes' statements interleave. SqliteJobStore runs on
 * it unchanged; only the driver differs from production (where each call runs at once).
 *
 * Why the real engine rather than a model of SQL: the statements heddle checks are then exactly
 * the ones production runs, with SQLite's own semantics. A transaction body is synchronous, so
 * it is atomic here as in production (where SQLite's write lock serialises processes). heddle
 * cannot see inside the native calls, so it counts each as touching all unseen state: DPOR orders
 * every pair of statements (sound, if coarser than needed).
 *
 * Several processes share one driver (one in-memory database): what separate connections to one
 * file give, statement by statement, since SQLite serialises writers and each statement is atomic.
 */
export function sqliteModel(): SqlDriver {
  const db = betterSqlite(':memory:');
  return {
    run: async (sql, ...params) => {
      await yieldNow();
      return db.run(sql, ...params);
    },
    get: async (sql, ...params) => {
      await yieldNow();
      return db.get(sql, ...params);
    },
    all: async (sql, ...params) => {
      await yieldNow();
      return db.all(sql, ...params);
    },
    transaction: async (body) => {
      await yieldNow();
      return db.transaction(body);
    },
    setup: (body) => db.setup(body),
    close: () => db.close(),
  };
}
