// Builds the UI's front-end bundle into internal/web/ui/static (embedded
// by the Go binary). Run `npm ci && npm run build` in web/; CI rebuilds and
// checks the committed files did not drift.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'internal', 'web', 'ui', 'static');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, outdir: out, logLevel: 'warning', legalComments: 'eof', absWorkingDir: here };
await esbuild.build({ ...common, entryPoints: { app: 'src/app.js' }, format: 'iife', target: 'es2020' });
await esbuild.build({ ...common, entryPoints: { app: 'src/app.css' }, loader: { '.png': 'file', '.svg': 'file' }, assetNames: '[name]' });
copyFileSync(join(here, 'node_modules', 'world-atlas', 'countries-110m.json'), join(out, 'countries-110m.json'));
copyFileSync(join(here, 'src', 'favicon.svg'), join(out, 'favicon.svg'));
console.log('built', out);
