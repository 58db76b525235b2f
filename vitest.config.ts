import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { heddleInstrument } from './src/instrument/vite.ts';

export default defineConfig({
  // Every await of this repo's scenarios, models and tests is instrumented, as `check` does.
  // The bundled real package is instrumented by name, as its scenario's `instrument` option asks.
  plugins: [heddleInstrument({ instrument: ['p-memoize-6.0.2', 'p-memoize-7.0.0'] })],
  // `from 'heddle'` in this repo is the source, as tsconfig.json's paths say (the package's
  // exports point into dist/, a build).
  resolve: {
    alias: [
      { find: /^heddle$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^heddle\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // A failed expect() in an instrumented test is called through the runtime's wrappers: the
    // code frame is the test's line, not the wrapper's (in a project, they are in node_modules).
    onStackTrace: (_error, frame) => !frame.file.includes('/src/instrument/'),
  },
});
