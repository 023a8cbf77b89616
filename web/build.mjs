// Builds the NexusOS web console into ../node/console/dist, which the Go
// package nexusos/node/console embeds. Deterministic: the same sources and
// the same pinned esbuild (package-lock.json) give byte-identical files,
// which tests/console-bundle checks.
//
//   node build.mjs            build into ../node/console/dist
//   node build.mjs --check    build into a temporary folder and fail if it
//                             differs from ../node/console/dist
import * as esbuild from 'esbuild';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'node', 'console', 'dist');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'nexus-console-')) : dist;

if (!check) rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.jsx' },
  outdir: join(out, 'assets'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  charset: 'utf8',
  sourcemap: false,
  logLevel: 'warning',
  banner: { js: '/* NexusOS console. Includes Preact (MIT License, Jason Miller). Sources: web/ */' },
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));

if (check) {
  const list = (d) => readdirSync(d, { recursive: true })
    .filter((f) => statSync(join(d, f)).isFile() && !f.split('/').some((p) => p.startsWith('.')))
    .sort();
  const want = list(out), have = list(dist);
  const diffs = [];
  for (const f of new Set([...want, ...have])) {
    if (!want.includes(f)) diffs.push(`${f}: in node/console/dist but not produced by web/`);
    else if (!have.includes(f)) diffs.push(`${f}: produced by web/ but missing from node/console/dist`);
    else if (!readFileSync(join(out, f)).equals(readFileSync(join(dist, f)))) diffs.push(`${f}: differs from a fresh build`);
  }
  rmSync(out, { recursive: true, force: true });
  if (diffs.length) {
    console.error('node/console/dist does not match web/ (run: cd web && npm ci && npm run build):\n  ' + diffs.join('\n  '));
    process.exit(1);
  }
  console.log(`node/console/dist matches web/ (${want.length} files)`);
} else {
  console.log('built', relative(process.cwd(), out));
}
