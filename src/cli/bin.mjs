#!/usr/bin/env node
// The `heddle` bin: runs the CLI (compiled in a build, the TypeScript source in the repo) with
// tsx registered, so that users' scenario files in .ts load too.
// (check and replay then register the await instrumentation before loading any scenario.)
import { ensureTsx, ownModule } from '../instrument/tsx.mjs';

ensureTsx();
const { binMain } = await import(ownModule('./main.ts', import.meta.url));
await binMain(process.argv.slice(2));
