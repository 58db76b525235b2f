#!/usr/bin/env node
// The `heddle` bin: loads the TypeScript CLI through tsx, so scenario files in .ts load too.
// (check and replay then register the await instrumentation before loading any scenario.)
import { ensureTsx } from '../instrument/tsx.mjs';

ensureTsx();
const { binMain } = await import('./main.ts');
await binMain(process.argv.slice(2));
