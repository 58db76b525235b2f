/** Where the CLI writes; tests pass a recorder. */
export interface Output {
  stdout(line: string): void;
  stderr(line: string): void;
  readonly color: boolean;
}

export function processOutput(): Output {
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
