import { writeFileAtomic } from '../atomic-write.ts';
import type { Failure } from '../failure.ts';
import type { Rerun } from '../report/command.ts';
import { failureHtml } from '../report/html.ts';
import { InputError } from './input.ts';
import type { Output } from './output.ts';

/** `--report FILE`: the failure as an HTML swimlane diagram; nothing to draw when it passed. */
export function writeReport(path: string, scenario: string, failure: Failure | undefined, rerun: Rerun, out: Output): void {
  if (failure === undefined) {
    out.stderr(`no failure: ${path} not written`);
    return;
  }
  try {
    writeFileAtomic(path, failureHtml(scenario, failure, rerun));
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  out.stderr(`wrote ${path}`);
}
