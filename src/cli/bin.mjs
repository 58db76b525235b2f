#!/usr/bin/env node
// The `heddle` bin: loads the TypeScript CLI through tsx, so scenario files in .ts load too.
import { register } from 'tsx/esm/api';

register();
const { binMain } = await import('./main.ts');
await binMain(process.argv.slice(2));
