// A small deterministic force-directed layout (Fruchterman–Reingold with
// gravity): nodes start on a spiral (by index, no randomness), repel each
// other, edges pull like springs and a pull toward the centre keeps
// separate clusters together. The layout runs in free space and is then
// fitted into the box, so nothing piles up on the border. The same graph
// always gives the same picture.

export function layout(n, edges, { width = 800, height = 600, iterations = 300, fixed = null, start = null, margin = 30, labelRoom = 140 } = {}) {
  if (n === 0) return [];
  const k = 60; // ideal edge length in layout units
  const pos = [];
  for (let i = 0; i < n; i++) {
    if (start && start[i]) pos.push({ x: start[i].x, y: start[i].y });
    else {
      const a = i * 2.399963; // golden angle
      const r = k * Math.sqrt(i + 1);
      pos.push({ x: r * Math.cos(a), y: r * Math.sin(a) });
    }
  }
  // Started from given positions (a drag), work in those units and keep
  // fixed nodes where they are; no refit.
  const refit = !start;
  let cx = 0, cy = 0;
  if (!refit) {
    for (const p of pos) {
      cx += p.x / n;
      cy += p.y / n;
    }
  }
  let temp = refit ? k * 3 : k / 3;
  const cool = temp / (iterations + 1);
  const dx = new Float64Array(n), dy = new Float64Array(n);
  const gravity = 0.5;
  for (let it = 0; it < iterations; it++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let ex = pos[i].x - pos[j].x, ey = pos[i].y - pos[j].y;
        let d2 = ex * ex + ey * ey;
        if (d2 < 0.01) {
          ex = 0.1 * ((i % 3) - 1) + 0.05;
          ey = 0.1 * ((j % 3) - 1) + 0.05;
          d2 = ex * ex + ey * ey;
        }
        const f = (k * k) / d2; // times (ex, ey): k²/d along the line
        dx[i] += ex * f; dy[i] += ey * f;
        dx[j] -= ex * f; dy[j] -= ey * f;
      }
    }
    for (const e of edges) {
      const a = pos[e.from], b = pos[e.to];
      if (!a || !b || e.from === e.to) continue;
      const ex = a.x - b.x, ey = a.y - b.y;
      const d = Math.sqrt(ex * ex + ey * ey) || 0.01;
      const f = (d / k) * Math.min(e.weight || 1, 1);
      dx[e.from] -= ex * f; dy[e.from] -= ey * f;
      dx[e.to] += ex * f; dy[e.to] += ey * f;
    }
    for (let i = 0; i < n; i++) {
      if (fixed && fixed.has(i)) continue;
      dx[i] += (cx - pos[i].x) * gravity * Math.sqrt(n);
      dy[i] += (cy - pos[i].y) * gravity * Math.sqrt(n);
      const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) || 1;
      const m = Math.min(d, temp);
      pos[i].x += (dx[i] / d) * m;
      pos[i].y += (dy[i] / d) * m;
    }
    temp = Math.max(temp - cool, 0.5);
  }
  if (!refit) {
    return pos.map((p) => ({ x: Math.min(width - margin, Math.max(margin, p.x)), y: Math.min(height - margin, Math.max(margin, p.y)) }));
  }
  // Fit into the box (each axis scaled to fill it, but neither more than
  // twice the other), with room on the right for labels.
  const xs = pos.map((p) => p.x), ys = pos.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const w = width - 2 * margin - labelRoom, h = height - 2 * margin;
  let sx = Math.min(w / Math.max(x1 - x0, 1), 3), sy = Math.min(h / Math.max(y1 - y0, 1), 3);
  sx = Math.min(sx, 2 * sy);
  sy = Math.min(sy, 2 * sx);
  const ox = margin + (w - (x1 - x0) * sx) / 2, oy = margin + (h - (y1 - y0) * sy) / 2;
  return pos.map((p) => ({ x: ox + (p.x - x0) * sx, y: oy + (p.y - y0) * sy }));
}
