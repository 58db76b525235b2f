import assert from 'node:assert/strict';
import { sleep, spawn } from 'heddle';
import { MIN_READABLE_MS, EXPIRY_MS, StoreFullError, consistent, type JobStore } from '../../models/job-store/types.ts';

// The job-store races of #20 as harnesses over a "world": one shared store server (the Redis
// model, or SQLite's in-memory database) and any number of server processes using it. The same
// harness runs on Redis and on SQLite (scenarios/redis/store.ts, scenarios/sqlite/store.ts).

export const CAP = 2;

/** Flipped by a crash task at a moment the scheduler picks: from then on the process's calls fail. */
export interface CrashSwitch {
  down: boolean;
}

/** A process that was killed: every later call of its connection throws this. */
export class Crashed extends Error {
  override readonly name = 'Crashed';
}

export interface StoreWorld {
  /** A server process's store; with a switch, its connection dies when the switch flips. */
  process(name: string, crash?: CrashSwitch): JobStore;
  /**
   * The invariants, by direct access to the server: at most `cap` jobs, every job key (row) has
   * its expiry, every job key is listed by the store, every listed job is consistent.
   */
  check(cap: number): Promise<void>;
}

/** Ids unique per process (production uses randomUUID; a counter keeps the search free of random draws). */
export function idsFor(process: string): () => string {
  let n = 0;
  return () => `${process}-${++n}`;
}

/** Runs `body` and treats the crash as the end of the process, as kill -9 would. */
export async function untilCrash(body: () => Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof Crashed)) throw e;
  }
}

/** StoreFullError as a value, any other error thrown on. */
export async function orFull<T>(op: Promise<T>): Promise<T | 'full'> {
  try {
    return await op;
  } catch (e) {
    if (e instanceof StoreFullError) return 'full';
    throw e;
  }
}

/**
 * Wraps a connection (RedisCommands or a SqlDriver) so that each call first checks the switch. A
 * call made before the crash still reaches the server (it was sent); none made after does. A
 * MULTI builder a call returns, and the connection `isolated` hands its callback, die with it.
 */
export function crashable<T extends object>(target: T, crash: CrashSwitch): T {
  const wrapped: Record<string, unknown> = {};
  for (const name of methodNames(target)) {
    const method = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      if (crash.down) throw new Crashed(`the process died before ${name}`);
      if (name === 'isolated') {
        const fn = args[0] as (connection: object) => unknown;
        return method.call(target, (connection: object) => fn(crashable(connection, crash)));
      }
      const result = method.apply(target, args);
      if (result === target) return wrapped; // a MULTI builder's chained call
      return name === 'multi' ? crashable(result as object, crash) : result;
    };
  }
  return wrapped as T;
}

function methodNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor' && typeof (o as Record<string, unknown>)[n] === 'function') names.add(n);
  }
  return [...names];
}

/** Two processes create at once with one job in the store: the cap holds. */
export async function capRace(world: StoreWorld): Promise<void> {
  await world.process('setup').create();
  const a = spawn(() => orFull(world.process('a').create()), 'process-a create');
  const b = spawn(() => orFull(world.process('b').create()), 'process-b create');
  const results = [await a.join(), await b.join()];
  assert.equal(results.filter((r) => r !== 'full').length, 1, 'exactly one of the two creates fits under the cap');
  await world.check(CAP);
}

/**
 * At the cap, a job finished a moment ago stays (MIN_READABLE_MS); once it is old enough it makes
 * room — for two creates at once, racing a delete of one of them and an update.
 */
export async function finishedMakeRoom(world: StoreWorld): Promise<void> {
  const setup = world.process('setup');
  const first = await setup.create();
  const second = await setup.create();
  await setup.update(first.id, { status: 'done', progress: 100 });
  await setup.update(second.id, { status: 'failed', message: 'boom' });
  assert.equal(await orFull(setup.create()), 'full', 'a job finished a moment ago was evicted to make room');
  assert.ok(await setup.get(first.id), 'a refused create removed a finished job');
  await sleep(MIN_READABLE_MS);
  const a = spawn(() => orFull(world.process('a').create()), 'process-a create');
  const b = spawn(() => orFull(world.process('b').create()), 'process-b create');
  const [ra, rb] = [await a.join(), await b.join()];
  assert.notEqual(ra, 'full', 'create refused at the cap although finished jobs could make room');
  assert.notEqual(rb, 'full', 'create refused at the cap although finished jobs could make room');
  await world.check(CAP);
  if (setup.lookup) assert.equal(await setup.lookup(first.id), 'evicted', 'an evicted job must answer evicted');
}

/**
 * A day passes with the store full of unfinished jobs: they expire. A create, a list and a
 * cleanup race, and a late update of an expired job must not bring it back.
 */
export async function fullAfterExpiry(world: StoreWorld): Promise<void> {
  const setup = world.process('setup');
  const old = await setup.create();
  await setup.create();
  await sleep(EXPIRY_MS + 1);
  const creator = spawn(() => orFull(world.process('a').create()), 'process-a create');
  const worker = spawn(() => world.process('b').update(old.id, { status: 'running', progress: 10 }), 'process-b update');
  const cleaner = spawn(() => world.process('c').cleanup(), 'process-c cleanup');
  const created = await creator.join();
  assert.notEqual(created, 'full', 'store full for good: every job expired, yet create was refused');
  assert.equal(await worker.join(), false, 'an update of an expired job reported success');
  await cleaner.join();
  const listed = (await setup.list()).map((j) => j.id);
  assert.deepEqual(listed, created === 'full' ? [] : [created.id], 'the list names an expired job');
  await world.check(CAP);
  if (setup.lookup) assert.equal(await setup.lookup(old.id), 'evicted', 'an expired job must answer evicted');
}

/** A process is killed (at any point the scheduler picks) while it creates, updates and deletes. */
export async function crashMidway(world: StoreWorld): Promise<void> {
  const existing = await world.process('setup').create();
  const crash: CrashSwitch = { down: false };
  const store = world.process('p', crash);
  const work = spawn(() => untilCrash(async () => {
    const job = await store.create();
    await store.update(job.id, { status: 'running', progress: 10 });
    await store.delete(existing.id);
  }), 'process-p');
  const killer = spawn(() => {
    crash.down = true;
  }, 'kill -9 process-p');
  await work.join();
  await killer.join();
  await world.check(CAP);
  for (const job of await world.process('q').list()) assert.ok(consistent(job), `a torn job: ${job.status} at ${job.progress}%`);
}

/**
 * An update races the store removing jobs: a worker updates the job a client deletes while a
 * create at the cap evicts the finished one (or finds room the delete made). No update may bring
 * a removed job back (as a key without its fields, its TTL or a place in the list). Three tasks:
 * a fourth (a second worker annotating the evicted job: the same DEL-in-MULTI path) multiplies
 * the traces by twenty.
 */
export async function updateEvictDelete(world: StoreWorld): Promise<void> {
  const setup = world.process('setup');
  const finished = await setup.create();
  const running = await setup.create();
  await setup.update(finished.id, { status: 'done', progress: 100 });
  await sleep(MIN_READABLE_MS);
  const progress = spawn(() => world.process('w').update(running.id, { status: 'running', progress: 50 }), 'worker update');
  const creator = spawn(() => orFull(world.process('a').create()), 'process-a create');
  const deleter = spawn(() => world.process('b').delete(running.id), 'process-b delete');
  await progress.join();
  assert.notEqual(await creator.join(), 'full', 'the finished job did not make room');
  assert.equal(await deleter.join(), true);
  // Evicted unless the delete made room first; either way whole, never a bare key.
  const kept = await setup.get(finished.id);
  if (kept !== undefined) assert.equal(kept.status, 'done', 'the finished job lost its fields');
  assert.equal(await setup.get(running.id), undefined, 'the deleted job came back');
  await world.check(CAP);
}

/**
 * A create at the cap picks a finished job to evict while a worker sets that job running again
 * (a retry): the create must evict the other finished job, never one that is running.
 */
export async function evictRacesRestart(world: StoreWorld): Promise<void> {
  const setup = world.process('setup');
  const first = await setup.create();
  const second = await setup.create();
  await setup.update(first.id, { status: 'done', progress: 100 });
  await setup.update(second.id, { status: 'done', progress: 100 });
  await sleep(MIN_READABLE_MS);
  const restart = spawn(() => world.process('w').update(first.id, { status: 'running', progress: 0 }), 'worker restarts job');
  const creator = spawn(() => orFull(world.process('a').create()), 'process-a create');
  const restarted = await restart.join();
  assert.notEqual(await creator.join(), 'full', 'a finished job could have made room');
  if (restarted) assert.equal((await setup.get(first.id))?.status, 'running', 'a running job was evicted');
  await world.check(CAP);
}
