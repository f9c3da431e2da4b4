import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'base/index': 'src/base/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest'],
});
