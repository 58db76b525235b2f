import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { connectRedis } from './redis-client.ts';

/** Where Debian's redis-server package installs the server (`.ci/run` installs it). */
export const REDIS_SERVER = '/usr/bin/redis-server';

export const haveRedisServer = (): boolean => existsSync(REDIS_SERVER);

/** A private, empty redis-server on a free loopback port, without persistence: for tests and the bench. */
export interface LocalRedis {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().on('error', reject).listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startLocalRedis(): Promise<LocalRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const probe = await connectRedis(url);
      await probe.close();
      return { url, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`${REDIS_SERVER} did not answer on ${url} within 5 s`);
}
