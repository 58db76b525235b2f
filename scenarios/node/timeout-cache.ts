// Code written for plain Node: a cache in front of a slow client, with a timeout built from
// setTimeout and Promise.race. heddle runs it unmodified with virtual timers and a controlled
// client whose response may arrive before or after the timer fires.
import assert from 'node:assert/strict';
import { controlled, scenario, spawn } from 'heddle';

export interface Client {
  get(key: string): Promise<string>;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Bug: a timed-out lookup caches its fallback, so the key stays empty after the client answered. */
export class RacyCache {
  private readonly entries = new Map<string, string | null>();
  constructor(private readonly client: Client) {}
  async get(key: string): Promise<string | null> {
    if (this.entries.has(key)) return this.entries.get(key)!;
    const value = await withTimeout(this.client.get(key), 100).catch(() => null);
    this.entries.set(key, value);
    return value;
  }
}

/** Fixed: only answers are cached; a timeout is returned but not remembered. */
export class SafeCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly client: Client) {}
  async get(key: string): Promise<string | null> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    try {
      const value = await withTimeout(this.client.get(key), 100);
      this.entries.set(key, value);
      return value;
    } catch {
      return null;
    }
  }
}

function harness(name: string, make: (c: Client) => { get(k: string): Promise<string | null> }, expect: 'pass' | 'assertion') {
  return scenario(name, async () => {
    let calls = 0;
    const client = controlled({ get: async (key: string) => { calls++; return `value of ${key}`; } }, 'client');
    const cache = make(client);
    const first = spawn(() => cache.get('k'), 'first');
    await first.join(); // may time out: the response can come after the 100 ms timer
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await cache.get('k');
    // Either an answer, or a fresh attempt that timed out again — never a remembered timeout.
    if (second !== 'value of k') assert.equal(calls, 2, 'a timed-out lookup was cached: the client was never asked again');
  }, { expect, environment: { timers: true }, description: 'Promise.race timeout vs a controlled response, virtual timers' });
}

export const racy = harness('node/timeout-cache', (c) => new RacyCache(c), 'assertion');
export const safe = harness('node/timeout-cache.fixed', (c) => new SafeCache(c), 'pass');
