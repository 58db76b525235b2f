import { linearizability, Shared } from 'heddle';

interface Node<T> {
  readonly value: T;
  readonly next: Node<T> | null;
}

/**
 * A Treiber stack: push and pop retry a compare-and-set on the head. With a real atomic CAS it
 * is linearizable; with a CAS written as "read, compare, write" (two steps), two pushes can both
 * succeed against the same head and one is lost.
 */
export class TreiberStack<T> {
  private readonly head = new Shared<Node<T> | null>(null, 'head');
  constructor(private readonly atomicCas: boolean) {}

  async push(value: T): Promise<void> {
    for (;;) {
      const head = await this.head.get();
      if (await this.cas(head, { value, next: head })) return;
    }
  }

  async pop(): Promise<T | undefined> {
    for (;;) {
      const head = await this.head.get();
      if (head === null) return undefined;
      if (await this.cas(head, head.next)) return head.value;
    }
  }

  private async cas(expected: Node<T> | null, next: Node<T> | null): Promise<boolean> {
    if (this.atomicCas) return this.head.compareAndSet(expected, next);
    if ((await this.head.get()) !== expected) return false;
    await this.head.set(next);
    return true;
  }
}

const operations = {
  push: { args: (r: () => number) => [Math.floor(r() * 3)], run: (s: TreiberStack<number>, [v]: readonly unknown[]) => s.push(v as number) },
  pop: { run: (s: TreiberStack<number>) => s.pop() },
};

export const buggyStack = linearizability({
  name: 'lin/treiber-stack.non-atomic-cas', create: () => new TreiberStack<number>(false), operations,
  expect: 'linearizability', description: 'a CAS split into read and write loses pushes: not linearizable',
});

export const fixedStack = linearizability({
  name: 'lin/treiber-stack', create: () => new TreiberStack<number>(true), operations,
  description: 'the Treiber stack with an atomic CAS is linearizable',
});
