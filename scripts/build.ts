// `npm run build` (and `prepack`): the published code in dist/. tsc compiles src/ and scheduler/
// (tsconfig.build.json); this script then does what tsc does not:
//  - copies the hand-written plain-JavaScript modules (the bin, the loader hooks, the worker entry),
//    which pick their compiled `.js` siblings at run time;
//  - rewrites relative `.ts` specifiers in the declarations to `.js`: rewriteRelativeImportExtensions
//    rewrites the JavaScript only, and a consumer's tsc resolves `./x.js` to `x.d.ts` under every
//    moduleResolution. (Same length, so the declarations' positions do not move.)
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');

/** Plain JavaScript that tsc does not compile: shipped as written. */
const HAND_WRITTEN = ['src/cli/bin.mjs', 'src/instrument/hooks.mjs', 'src/instrument/tsx.mjs', 'src/instrument/tsx.d.mts', 'src/parallel/worker-boot.mjs'];

/** A relative specifier ending in `.ts` in `from '…'`, `import '…'` or `import('…')`. */
const RELATIVE_TS = /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*)\.ts\2/g;

function declarations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

rmSync(dist, { recursive: true, force: true }); // no file of an older build may be published
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
for (const file of HAND_WRITTEN) copyFileSync(join(root, file), join(dist, file));
let rewritten = 0;
for (const file of declarations(dist)) {
  const text = readFileSync(file, 'utf8');
  const out = text.replace(RELATIVE_TS, (_, head: string, quote: string, path: string) => `${head}${quote}${path}.js${quote}`);
  if (out !== text) rewritten += 1;
  writeFileSync(file, out);
}
// On stderr: stdout is `npm pack --json`'s.
process.stderr.write(`dist/: built, ${HAND_WRITTEN.length} plain modules copied, ${rewritten} declaration files with their .ts imports rewritten\n`);
