/** What take() returns once the queue is closed and empty. */
export const CLOSED: unique symbol = Symbol('closed');

/**
 * A blocking FIFO queue in plain TypeScript (Python's queue.Queue get/put, plus close): take()
 * removes an item in the same synchronous step that finds it, or waits until put() hands one
 * over or close() ends the wait.
 * invariant: `takers` is non-empty only while `items` is empty and the queue is open.
 */
export class TaskQueue<T> {
  private readonly items: T[] = [];
  private readonly takers: ((item: T | typeof CLOSED) => void)[] = [];
  private closed = false;

  put(item: T): void {
    if (this.closed) throw new Error('put() on a closed queue');
    const taker = this.takers.shift();
    if (taker !== undefined) taker(item); // handed to that waiting taker alone
    else this.items.push(item);
  }

  take(): Promise<T | typeof CLOSED> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T);
    if (this.closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** No more puts; every waiting and future take() on the empty queue gets CLOSED. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(CLOSED);
  }

  /** Items put and not taken yet. */
  get length(): number {
    return this.items.length;
  }
}
