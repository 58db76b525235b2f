import assert from 'node:assert/strict';
import { BuggyHashJobStore } from '../../models/job-store/redis-buggy.ts';
import { RedisModel } from '../../models/job-store/redis-model.ts';
import { HashJobStore } from '../../models/job-store/redis.ts';
import { consistent, type JobStore } from '../../models/job-store/types.ts';
import { scenario } from 'heddle';
import { pair } from '../support/pair.ts';
import { CAP, capRace, crashable, crashMidway, evictRacesRestart, finishedMakeRoom, fullAfterExpiry, idsFor, updateEvictDelete, type StoreWorld } from './harness.ts';

/**
 * One Redis server (the command-level model: every command and every MULTI/EXEC one step, TTLs in
 * virtual time) shared by several server processes, each with its own store object.
 */
function redisWorld(make: (redis: RedisModel, process: string) => JobStore): () => StoreWorld {
  return () => {
    const redis = new RedisModel();
    return {
      process: (name, crash) => make(crash ? crashable(redis, crash) : redis, name),
      async check(cap) {
        const keys = await redis.keys('job:*');
        for (const key of keys) assert.ok((await redis.pttl(key)) > 0, `${key} has no TTL: it never expires`);
        const listed = await make(redis, 'checker').list();
        const ids = new Set(listed.map((j) => j.id));
        for (const key of keys) assert.ok(ids.has(key.slice('job:'.length)), `${key} is an orphan: no list names it`);
        assert.ok(keys.length <= cap, `${keys.length} job keys, cap ${cap}`);
        assert.ok(listed.length <= cap, `${listed.length} jobs listed, cap ${cap}`);
        for (const job of listed) assert.ok(consistent(job), `a torn job: ${job.status} at ${job.progress}%`);
      },
    };
  };
}

// buggy: HashJobStore as it was before #20 (create and delete in separate commands, a set as the
// index, no eviction); fixed: today's HashJobStore (WATCH/MULTI/EXEC, a sorted index by expiry).
const worlds = {
  buggy: redisWorld((redis) => new BuggyHashJobStore(redis, CAP)),
  fixed: redisWorld((redis, process) => new HashJobStore(redis, CAP, { newId: idsFor(process) })),
};

export const capRaceRedis = pair('redis/cap-race', worlds, capRace, 'assertion',
  { description: 'two creates both count the jobs before either adds one: the cap is exceeded' });

export const finishedRoomRedis = pair('redis/finished-make-room', worlds, finishedMakeRoom, 'assertion',
  { description: 'finished jobs never make room: the store is full for good at the cap' });

export const expiryRedis = pair('redis/full-after-expiry', worlds, fullAfterExpiry, 'assertion',
  { description: "expired jobs stay in the index: the list reads empty while every create is refused" });

export const crashRedis = pair('redis/crash-orphans', worlds, crashMidway, 'assertion',
  { description: 'a process killed between HSET and EXPIRE (or SREM and DEL) leaves a job key that never expires or no list names' });

/** Updates racing eviction and delete: the pre-#20 store cannot evict at all, so this one is for the fixed store only. */
export const updateRaces = scenario('redis/update-evict-delete', () => updateEvictDelete(worlds.fixed()),
  { expect: 'pass', description: 'an update racing a delete and an eviction brings no job back' });

/** Eviction racing a job that is set running again: only the fixed store evicts at all. */
export const evictRestart = scenario('redis/evict-races-restart', () => evictRacesRestart(worlds.fixed()),
  { expect: 'pass', description: 'eviction at the cap never takes a job set running again meanwhile' });
