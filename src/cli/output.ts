/** Where the CLI writes; tests pass a recorder. */
export interface Output {
  stdout(line: string): void;
  stderr(line: string): void;
  readonly color: boolean;
}

let quiet = false;

/**
 * A reader that went away (`| head`, a closed terminal) ends the run quietly, as a shell
 * pipeline expects: nothing more can be said, and a stack trace about it would only be noise.
 */
function quietOnClosedPipe(): void {
  if (quiet) return;
  quiet = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream.listenerCount('error') === 1) throw e; // nobody else handles it: as Node would
    });
  }
}

export function processOutput(): Output {
  quietOnClosedPipe();
  return {
    stdout: (line) => void process.stdout.write(line + '\n'),
    stderr: (line) => void process.stderr.write(line + '\n'),
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
  };
}

/** Collects output in memory. */
export function recordingOutput(): Output & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, color: false, stdout: (l) => void out.push(l), stderr: (l) => void err.push(l) };
}
