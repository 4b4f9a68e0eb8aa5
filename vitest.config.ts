import { defineConfig } from 'vitest/config';

// One vitest run covers the whole workspace. The `hotsync-source` export condition makes
// cross-package imports resolve to each package's TypeScript sources, so tests never run
// against a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['hotsync-source'] },
  ssr: { resolve: { conditions: ['hotsync-source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'test/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    setupFiles: [],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
