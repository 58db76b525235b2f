import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runJob } from './handlers.ts';
import { StoreFullError, type JobStore } from './types.ts';

/** Largest request body accepted, in bytes. */
export const MAX_BODY = 16 * 1024;

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

export interface ServiceOptions {
  /** Progress steps of each background job (default 25, 50, 75). */
  readonly steps?: readonly number[];
  /** Pause between steps, ms (default 10). */
  readonly stepMs?: number;
}

/**
 * The seed's web app on a JobStore: `POST /jobs` starts a job and its background task,
 * `GET /jobs/:id` returns a consistent snapshot, `DELETE /jobs/:id`, `GET /jobs` lists. The
 * handlers are the same functions the `jobs/*` scenarios check under heddle.
 */
export function jobService(store: JobStore, options: ServiceOptions = {}): Server {
  const steps = options.steps ?? [25, 50, 75];
  const background = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) send(res, e.status, { error: e.message });
      else send(res, 500, { error: 'internal error' });
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'jobs' || parts.length > 2) throw new HttpError(404, `no route ${url.pathname}`);
    const id = parts[1];
    if (id === undefined && req.method === 'POST') {
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
      let job;
      try {
        job = await store.create();
      } catch (e) {
        if (e instanceof StoreFullError) throw new HttpError(503, e.message);
        throw e;
      }
      const work = runJob(store, job.id, steps, options.stepMs ?? 10).catch(() => {});
      background.add(work);
      void work.finally(() => background.delete(work));
      return send(res, 202, { id: job.id });
    }
    if (id === undefined && req.method === 'GET') return send(res, 200, await store.list());
    if (id !== undefined && req.method === 'GET') {
      const job = await store.get(id);
      return job ? send(res, 200, job) : send(res, 404, { error: `no job ${id}` });
    }
    if (id !== undefined && req.method === 'DELETE') {
      return (await store.delete(id)) ? send(res, 204, null) : send(res, 404, { error: `no job ${id}` });
    }
    res.setHeader('allow', id === undefined ? 'GET, POST' : 'GET, DELETE');
    throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
  }
  // Cleanup of expired jobs once a minute; the timer does not keep the process alive.
  const cleanup = setInterval(() => void store.cleanup().catch(() => {}), 60_000);
  cleanup.unref();
  server.on('close', () => clearInterval(cleanup));
  return server;
}
