import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultCacheDir, TransformCache } from './cache.ts';
import { filePath, heddleRoot, InstrumentPolicy } from './policy.ts';
import type { SourceMap } from './source-map.ts';

// The await instrumentation under Vite and vitest, which load modules themselves (Node's loader
// hooks never see them): the same transform, as the last plugin, on the JavaScript every earlier
// plugin produced, with their combined map so that sites carry the lines the user wrote.

const SCRIPT = new Set(['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']);

export interface HeddleInstrumentOptions {
  /** Packages to instrument besides your own code, by name (as `--instrument NAME`). */
  readonly instrument?: readonly string[] | undefined;
}

/**
 * The part of Vite's `Plugin` this plugin is, written out here rather than imported from 'vite':
 * heddle's declarations then type-check where vite is not resolvable from heddle's folder (pnpm,
 * a project without vitest). Structurally a Vite plugin: `plugins: [heddleInstrument()]` checks.
 */
export interface HeddleInstrumentPlugin {
  readonly name: 'heddle:instrument';
  readonly enforce: 'post';
  config(): { test: { setupFiles: string[]; server: { deps: { inline: string[] } } } };
  transform(this: { getCombinedSourcemap(): unknown }, code: string, id: string): { code: string; map: SourceMap | undefined } | null;
}

/** heddle's runtime module beside this one: `runtime.ts` in the repo, `runtime.js` in a build. */
const RUNTIME = new URL(`./runtime${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** `plugins: [heddleInstrument()]` in vitest.config.ts: instruments your code (and the packages named) in tests. */
export function heddleInstrument(options: HeddleInstrumentOptions = {}): HeddleInstrumentPlugin {
  const packages = [...(options.instrument ?? [])];
  const policy = new InstrumentPolicy({ root: heddleRoot(), packages });
  const cache = new TransformCache(defaultCacheDir());
  return {
    name: 'heddle:instrument',
    enforce: 'post',
    config: () => ({
      test: {
        // Instrumented modules find heddle's runtime through a global: install it first in every test worker.
        setupFiles: [fileURLToPath(RUNTIME)],
        // vitest hands node_modules to Node untransformed: the opted-in packages must go through Vite.
        // (vitest matches each entry as a path under node_modules: the slash keeps `p-memoize` from matching `p-memoize-6.0.2`.)
        server: { deps: { inline: packages.map((name) => `${name}/`) } },
      },
    }),
    transform(code, id) {
      if (id.startsWith('\0')) return null;
      const path = filePath(id);
      if (path === undefined || !SCRIPT.has(extname(path)) || !policy.selects(path)) return null;
      const inputMap = this.getCombinedSourcemap() as unknown as SourceMap;
      const out = cache.transform(code, { url: pathToFileURL(path).href, inputMap, format: 'module', inlineMap: false });
      if (!out.changed) return null;
      return { code: out.code, map: out.map };
    },
  };
}
