/**
 * Starts `call` after one await: a second request that arrives while the first is in flight.
 * With every await a scheduling point, the call may start at any point of the others' runs; in
 * plain Node (microtasks first in, first out) it starts one tick after the others began.
 */
export async function later<T>(call: () => T | Promise<T>): Promise<T> {
  await null;
  return call();
}
