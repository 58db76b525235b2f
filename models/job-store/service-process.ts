import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));

/** `serve.ts` running as a process of its own on loopback. */
export interface ServiceProcess {
  readonly base: string;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code (null when a signal ended it) and that signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its peak resident memory so far, MB, where /proc tells it (Linux). */
  peakRssMb(): number | undefined;
}

/**
 * Starts `serve.ts --port 0 …args` as one node process (`node --import tsx`, so a signal reaches
 * the service itself, not a wrapper) and waits until it prints its port.
 */
export async function startServiceProcess(args: readonly string[], timeoutMs = 30_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const peakRssMb = () => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) / 1024;
    } catch {
      return undefined;
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    if (port !== undefined) return { base: `http://127.0.0.1:${port}`, child, output: () => out, exited, peakRssMb };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the job service did not start: ${out.trim() || '(no output)'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
