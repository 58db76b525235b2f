// DPOR over a lock made of chained promises (plain code: each caller chains a promise onto the
// last one and awaits it). Clients take the lock of one account after another, so which client's
// reaction task comes next at a lock depends on the interleaving: a wakeup sequence found in one
// execution could plan a step of a reaction task at a state where that task had not been made.
// Followed, the replay failed with "nondeterminism" on a correct program (at trace 139 of 982: a
// schedule "ran differently"); the search drops such a branch and expands the state instead.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { explore, scenario } from 'heddle';

class Accounts {
  private readonly balances = new Map<string, number>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(names: readonly string[]) {
    for (const n of names) this.balances.set(n, 0);
  }

  private async locked(key: string, f: () => Promise<void>): Promise<void> {
    const before = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.locks.set(key, before.then(() => mine));
    await before;
    try {
      await f();
    } finally {
      release();
    }
  }

  deposit(key: string, n: number): Promise<void> {
    return this.locked(key, async () => {
      const v = this.balances.get(key)!;
      await Promise.resolve();
      this.balances.set(key, v + n);
    });
  }

  total(): number {
    let t = 0;
    for (const v of this.balances.values()) t += v;
    return t;
  }
}

function clients(count: number, accounts: readonly string[]) {
  return scenario(`promise-lock/${count}x${accounts.length}`, async () => {
    const bank = new Accounts(accounts);
    const client = async (i: number) => {
      for (const a of accounts) await bank.deposit(a, i);
    };
    await Promise.all(Array.from({ length: count }, (_, i) => client(i + 1)));
    assert.equal(bank.total(), (accounts.length * count * (count + 1)) / 2);
  });
}

describe('dpor over a lock of chained promises', () => {
  it('4 clients over 3 accounts: verified, no schedule that ran differently', async () => {
    const r = await explore(clients(4, ['a', 'b', 'c']), { strategy: 'dpor' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(true);
  });
});
