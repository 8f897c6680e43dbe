import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * The renderer's unit tests on their own (`npx vitest run -c vitest.renderer.config.ts`). Each test
 * file picks happy-dom with a `// @vitest-environment happy-dom` comment, so the root config can run
 * them too once it includes `renderer/**\/*.test.ts`.
 */
export default defineConfig({
  plugins: [vue()],
  test: {
    name: 'renderer',
    include: ['renderer/**/*.test.ts'],
    environment: 'happy-dom',
    pool: 'forks',
  },
});
