// Bundles the browser app (app/main.ts and the SDK it imports) into public/app.js.
import { build } from 'esbuild';

await build({
  entryPoints: ['app/main.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  sourcemap: true,
  minify: true,
  outfile: 'public/app.js',
  logLevel: 'warning',
});
