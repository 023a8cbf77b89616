// Development server: serves ../node/console/dist and forwards /v1/* and
// /healthz to a running node, so the console can be worked on without
// rebuilding nexus. Rebuild with `npm run build` (or `npm run watch`).
//
//   node dev.mjs [--node http://127.0.0.1:7777] [--port 5173]
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const upstream = new URL(arg('--node', 'http://127.0.0.1:7777'));
const port = Number(arg('--port', '5173'));
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'node', 'console', 'dist');
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/v1/') || url.pathname === '/healthz') {
    const p = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    p.on('error', (e) => {
      res.writeHead(502);
      res.end(JSON.stringify({ error: `node at ${upstream}: ${e.message}` }));
    });
    req.pipe(p);
    return;
  }
  const file = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^\/+/, '');
  if (file.startsWith('..')) return res.writeHead(404).end();
  try {
    const b = await readFile(join(dist, file));
    res.writeHead(200, { 'Content-Type': types[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(b);
  } catch {
    res.writeHead(404).end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`console on http://127.0.0.1:${port}/ (API from ${upstream})`));
