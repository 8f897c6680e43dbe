import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['main/**/*.test.ts', 'preload/**/*.test.ts'],
          testTimeout: 120_000,
          pool: 'forks',
        },
      },
      './vitest.renderer.config.ts',
    ],
  },
});
