import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'preload/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
