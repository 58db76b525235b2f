#!/usr/bin/env node
// The `heddle` command: the package's compiled CLI (dist/), or, in heddle's own repository
// (which runs from its TypeScript sources and ships no src/), the sources.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/bin.mjs', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/src/cli/bin.mjs', import.meta.url).href);
