// Scenarios for the split DPOR search's tests, in a file worker threads can load.
import { scenario, Shared, spawn, type Scenario } from 'heddle';

/**
 * Handlers that each spawn two counter updates, one of a shared total and one of their own key;
 * an update that finds its key empty also counts a new key. Whether two updates of one handler
 * conflict (on the key count) depends on what the other handlers did first: a pair of them may
 * conflict in the executions a split search chose it from and not in others.
 */
export function keyCounts(users: readonly string[]): Scenario {
  return scenario(`split/key-counts-${users.length}`, async () => {
    const keys = new Shared(0, 'keys');
    const cells = new Map(['total', ...users].map((k) => [k, new Shared<number | null>(null, k)]));
    const update = (user: string, key: string) => spawn(async () => {
      const cell = cells.get(key)!;
      if ((await cell.get()) === null) await keys.update((n) => n + 1);
      await cell.update((x) => (x ?? 0) + 1);
    }, `${user}:${key}`);
    const handlers = users.map((user) => spawn(async () => {
      const updates = [update(user, 'total'), update(user, user)];
      for (const u of updates) await u.join();
    }, `handler-${user}`));
    for (const h of handlers) await h.join();
  }, { races: false });
}

export default [keyCounts(['a', 'b'])];
