import { RUNTIME_KEY, type ModuleHandle, type Runtime, type Site } from './api.ts';
import { PASSTHROUGH } from './passthrough.ts';

// Placeholder until the engine integration lands: every instrumented module gets the
// passthrough handle, so instrumented code runs as plain JavaScript.

const modules = new Map<string, readonly Site[]>();

const runtime: Runtime = {
  module(url: string, sites: readonly Site[]): ModuleHandle {
    modules.set(url, sites);
    return PASSTHROUGH;
  },
};

/** Installs the runtime (once per thread); instrumented modules find it through the global. */
export function installRuntime(): void {
  const global = globalThis as unknown as Record<symbol, Runtime | undefined>;
  global[RUNTIME_KEY] ??= runtime;
}

/** URLs of the instrumented modules evaluated in this thread so far. */
export function instrumentedModules(): ReadonlyMap<string, readonly Site[]> {
  return modules;
}

installRuntime();
