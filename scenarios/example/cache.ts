// The README's first example: a cache written as anyone writes one — a class, a Map, an await —
// checked as it is. The late caller finds no entry while the first load is still in flight and
// loads again; in Node's own FIFO order the first load lands first and the bug hides.
import assert from 'node:assert/strict';
import { scenario } from 'heddle';

export class UserCache {
  private readonly users = new Map<string, string>();
  loads = 0;

  constructor(private readonly fetchUser: (id: string) => Promise<string>) {}

  async get(id: string): Promise<string> {
    const hit = this.users.get(id);
    if (hit !== undefined) return hit;
    this.loads++;
    const user = await this.fetchUser(id); // another caller may run here
    this.users.set(id, user);
    return user;
  }
}

/** The fix: the load in flight is cached at once, so every caller shares it. */
export class SharedLoadCache {
  private readonly users = new Map<string, Promise<string>>();
  loads = 0;

  constructor(private readonly fetchUser: (id: string) => Promise<string>) {}

  get(id: string): Promise<string> {
    let user = this.users.get(id);
    if (user === undefined) {
      this.loads++;
      user = this.fetchUser(id);
      this.users.set(id, user);
    }
    return user;
  }
}

async function later<T>(f: () => Promise<T>): Promise<T> {
  await null; // this caller arrives a moment later
  return f();
}

export const buggy = scenario('example/cache', async () => {
  const cache = new UserCache(async (id) => `user ${id}`);
  await Promise.all([cache.get('42'), later(() => cache.get('42'))]);
  assert.equal(cache.loads, 1, `user 42 was loaded ${cache.loads} times`);
}, { expect: 'assertion', description: 'a late caller loads again while the first load is in flight' });

export const fixed = scenario('example/cache.fixed', async () => {
  const cache = new SharedLoadCache(async (id) => `user ${id}`);
  await Promise.all([cache.get('42'), later(() => cache.get('42'))]);
  assert.equal(cache.loads, 1, `user 42 was loaded ${cache.loads} times`);
}, { description: 'the load in flight is shared' });
