import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runJob } from './handlers.ts';
import { MIN_READABLE_MS, StoreFullError, type JobStore } from './types.ts';

/** Largest request body accepted, in bytes. */
export const MAX_BODY = 16 * 1024;

/** The message of a job a shutdown stopped before it finished (its grace period ran out). */
export const INTERRUPTED_AT_SHUTDOWN = 'interrupted: the service shut down before the job finished';
/** The message `recover` writes at start on jobs a process that died left pending or running. */
export const INTERRUPTED_AT_CRASH = 'interrupted: the service stopped while the job was running';

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  // For HEAD, node sends the same status and headers and drops the body itself.
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/**
 * The path of a request target: origin-form (`/jobs/1?x`) as it is, absolute-form
 * (`http://host:port/jobs/1`) through the URL parser, which throws on a malformed authority
 * (`http://[::1/jobs`, port 99999): the client's error, so 400, never 500.
 */
function targetPath(target: string): string {
  if (target.startsWith('/')) return target.split('?', 1)[0]!;
  try {
    return new URL(target).pathname;
  } catch {
    throw new HttpError(400, `malformed request target '${target.length > 80 ? `${target.slice(0, 80)}…` : target}'`);
  }
}

const evictedMessage = (id: string) =>
  `job ${id} was evicted: a finished job stays readable at least ${MIN_READABLE_MS / 1000} s, then may make room for new jobs`;

export interface ServiceOptions {
  /** Progress steps of each background job (default 25, 50, 75). */
  readonly steps?: readonly number[];
  /** Pause between steps, ms (default 10). */
  readonly stepMs?: number;
}

/** What a shutdown found and did. */
export interface ShutdownReport {
  /** Background jobs of this process running when the shutdown began or started during it. */
  readonly running: number;
  /** Of those, the ones still unfinished when the grace period ran out: marked failed. */
  readonly interrupted: number;
  /** Unfinished ones the store failed to mark: recovery marks them at the next start. */
  readonly unmarked: number;
}

export interface JobService {
  readonly server: Server;
  /** Background jobs of this process not yet ended. */
  running(): number;
  /**
   * Stops accepting connections (and answers 503 to new jobs on connections still open), lets
   * the background jobs run for up to `graceMs`, stops the rest before their next write and marks
   * them failed with INTERRUPTED_AT_SHUTDOWN, then closes every connection. The store stays open:
   * it belongs to the caller.
   */
  shutdown(graceMs: number): Promise<ShutdownReport>;
}

/**
 * The seed's web app on a JobStore: `POST /jobs` starts a job and its background task,
 * `GET /jobs/:id` returns a consistent snapshot (410 once the store evicted it, 404 when it never
 * existed or was deleted), `DELETE /jobs/:id`, `GET /jobs` lists; HEAD wherever GET. The
 * background task is the same function the `jobs/*` scenarios check under heddle.
 */
export function jobService(store: JobStore, options: ServiceOptions = {}): JobService {
  const steps = options.steps ?? [25, 50, 75];
  // invariant: holds exactly the background jobs of this service that have not ended, by job id
  const background = new Map<string, Promise<void>>();
  // Creates in flight, and the jobs whose create landed once a shutdown had begun (those after
  // the grace period start stopped): the shutdown waits for the first and counts and marks the others.
  const creates = new Set<Promise<unknown>>();
  const startedLate = new Set<string>();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per pausing job, removed when its pause ends
  let closing = false;
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else if (e instanceof HttpError) send(res, e.status, { error: e.message });
      else send(res, 500, { error: 'internal error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = targetPath(req.url ?? '/');
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'jobs' || parts.length > 2) throw new HttpError(404, `no route ${path}`);
    const id = parts[1];
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (id === undefined && method === 'POST') {
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
      if (closing) {
        res.setHeader('connection', 'close');
        throw new HttpError(503, 'the service is shutting down');
      }
      let job;
      const creating = store.create();
      creates.add(creating);
      try {
        job = await creating;
      } catch (e) {
        if (e instanceof StoreFullError) throw new HttpError(503, e.message);
        throw e;
      } finally {
        creates.delete(creating);
      }
      const id = job.id;
      if (closing) startedLate.add(id);
      // A store error ends the job as failed (best effort), not 'running' until the next restart.
      const work = runJob(store, id, steps, options.stepMs ?? 10, stop.signal)
        .catch((e: unknown) => store.update(id, { status: 'failed', message: `failed: ${e instanceof Error ? e.message : String(e)}` }))
        .then(() => {}, () => {});
      background.set(id, work);
      void work.finally(() => background.delete(id));
      return send(res, 202, { id });
    }
    if (id === undefined && method === 'GET') return send(res, 200, await store.list());
    if (id !== undefined && method === 'GET') {
      const job = store.lookup ? await store.lookup(id) : await store.get(id);
      if (job === 'evicted') return send(res, 410, { error: evictedMessage(id) });
      return job ? send(res, 200, job) : send(res, 404, { error: `no job ${id}` });
    }
    if (id !== undefined && method === 'DELETE') {
      if (await store.delete(id)) return send(res, 204, null);
      if (store.lookup && (await store.lookup(id)) === 'evicted') return send(res, 410, { error: evictedMessage(id) });
      return send(res, 404, { error: `no job ${id}` });
    }
    res.setHeader('allow', id === undefined ? 'GET, HEAD, POST' : 'GET, HEAD, DELETE');
    throw new HttpError(405, `${req.method} not allowed on ${path}`);
  }

  // Cleanup of expired jobs once a minute; the timer does not keep the process alive.
  const cleanup = setInterval(() => void store.cleanup().catch(() => {}), 60_000);
  cleanup.unref();
  server.on('close', () => clearInterval(cleanup));

  async function shutdown(graceMs: number): Promise<ShutdownReport> {
    closing = true;
    const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    server.closeIdleConnections();
    const running = background.size;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(background.values()), graceOver]);
    clearTimeout(timer);
    // Stop the rest, and wait until none can write any more: then marking them cannot be undone
    // by a late progress or 'done' write of their own.
    stop.abort();
    const left = new Set(background.keys());
    if (creates.size > 0) {
      await Promise.allSettled(creates);
      await new Promise((resolve) => setImmediate(resolve)); // their handlers have started their jobs
    }
    for (const id of startedLate) left.add(id);
    await Promise.all(background.values());
    let interrupted = 0;
    let unmarked = 0;
    for (const id of left) {
      try {
        const job = await store.get(id);
        if (job === undefined || job.status === 'done' || job.status === 'failed') continue; // it finished, or was deleted
        if (await store.update(id, { status: 'failed', message: INTERRUPTED_AT_SHUTDOWN })) interrupted++;
      } catch {
        unmarked++; // the store failed: the job stays running until the next start's recovery
      }
    }
    server.closeAllConnections();
    await closed;
    return { running: running + startedLate.size, interrupted, unmarked };
  }

  return { server, running: () => background.size, shutdown };
}
