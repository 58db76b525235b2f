import { defineConfig } from 'vitest/config';
import { heddleInstrument } from './src/instrument/vite.ts';

export default defineConfig({
  // Every await of this repo's scenarios, models and tests is instrumented, as `check` does.
  plugins: [heddleInstrument()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
