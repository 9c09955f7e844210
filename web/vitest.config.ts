import { defineConfig } from 'vitest/config';

/** Browser journeys: the real server on PGlite with demo data, driven in Debian's Chromium. */
export default defineConfig({
  test: {
    name: 'web-e2e',
    include: ['e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
