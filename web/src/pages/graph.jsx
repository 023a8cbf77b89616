import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, qs, explain } from '../api.js';
import { layout } from '../force.js';

const edgeKinds = [
  { id: 'link', label: 'links' },
  { id: 'tag', label: 'shared tags' },
  { id: 'semantic', label: 'semantic neighbours' },
  { id: 'party', label: 'shared parties' },
];

export function GraphPage() {
  const [scope, setScope] = useState('note');
  const [graph, setGraph] = useState(null);
  const [error, setError] = useState(null);
  const [show, setShow] = useState({ link: true, tag: true, semantic: true, party: true });
  const [pos, setPos] = useState([]);
  const [sel, setSel] = useState(null);
  const [related, setRelated] = useState(null);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [path, setPath] = useState(null);
  const [pathMsg, setPathMsg] = useState(null);
  const svg = useRef(null);
  const drag = useRef(null);
  const wrap = useRef(null);
  // The drawing's size follows the window: wide and short on a desktop,
  // narrow and tall on a phone, with labels at their real size.
  const [box, setBox] = useState({ w: 900, h: 600 });
  const { w: W, h: H } = box;
  useEffect(() => {
    const el = wrap.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      const cw = el.clientWidth;
      const next = cw >= 640 ? { w: 900, h: 600 } : { w: Math.max(280, Math.round(cw)), h: Math.round(Math.max(280, cw) * 1.5) };
      setBox((b) => (b.w === next.w && b.h === next.h ? b : next));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [graph !== null]);

  useEffect(() => {
    setGraph(null);
    setSel(null);
    setPath(null);
    get('/v1/memex/graph?' + qs({ kind: scope === 'all' ? '' : scope }))
      .then((g) => {
        setGraph(g);
        setError(null);
      })
      .catch((e) => setError(explain(e)));
  }, [scope]);

  const edges = useMemo(() => (graph ? graph.edges.filter((e) => show[e.kind] !== false) : []), [graph, show]);
  useEffect(() => {
    if (graph) setPos(layout(graph.nodes.length, graph.edges, { width: W, height: H, labelRoom: W < 640 ? 120 : 140 }));
  }, [graph, W, H]);

  const byPath = useMemo(() => {
    const m = new Map();
    if (graph) graph.nodes.forEach((n, i) => m.set(n.path, i));
    return m;
  }, [graph]);
  const onPath = useMemo(() => {
    const s = new Set();
    if (path) for (const st of path) if (byPath.has(st.node.path)) s.add(byPath.get(st.node.path));
    return s;
  }, [path, byPath]);
  const pathEdge = (e) => {
    if (!path) return false;
    for (let i = 1; i < path.length; i++) {
      const x = byPath.get(path[i - 1].node.path), y = byPath.get(path[i].node.path);
      if ((e.from === x && e.to === y) || (e.from === y && e.to === x)) return true;
    }
    return false;
  };

  const select = async (i) => {
    setSel(i);
    setRelated(null);
    try {
      const r = await get('/v1/memex/related?' + qs({ path: graph.nodes[i].path }));
      setRelated(r.related || []);
    } catch (e) {
      setRelated({ error: explain(e) });
    }
  };

  const connect = async (e) => {
    e.preventDefault();
    setPath(null);
    setPathMsg(null);
    if (!a.trim() || !b.trim()) {
      setPathMsg('Pick two topics.');
      return;
    }
    try {
      const r = await get('/v1/memex/connect?' + qs({ a: a.trim(), b: b.trim() }));
      if (!r.path || r.path.length === 0) setPathMsg(`No path joins “${a}” and “${b}”.`);
      else {
        setPath(r.path);
        setPathMsg(`${r.path.length} notes from “${a}” to “${b}”.`);
      }
    } catch (err) {
      setPathMsg(explain(err));
    }
  };

  // Dragging a node moves it and lets the others settle around it.
  const toSvg = (ev) => {
    const r = svg.current.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) / r.width) * W, y: ((ev.clientY - r.top) / r.height) * H };
  };
  const down = (i) => (ev) => {
    drag.current = { i, moved: false };
    ev.currentTarget.setPointerCapture && ev.currentTarget.setPointerCapture(ev.pointerId);
  };
  const move = (ev) => {
    const d = drag.current;
    if (!d) return;
    d.moved = true;
    const p = toSvg(ev);
    setPos((old) => old.map((q, j) => (j === d.i ? p : q)));
  };
  const up = () => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (!d.moved) select(d.i);
    else setPos((old) => layout(graph.nodes.length, graph.edges, { width: W, height: H, iterations: 40, start: old, fixed: new Set([d.i]) }));
  };

  const titles = graph ? [...new Set(graph.nodes.map((n) => n.title).filter(Boolean))].sort() : [];
  const tags = graph ? [...new Set(graph.nodes.flatMap((n) => n.tags || []))].sort() : [];
  const counts = {};
  if (graph) for (const e of graph.edges) counts[e.kind] = (counts[e.kind] || 0) + 1;

  return (
    <section class="graph-page">
      <div class="toolbar">
        <label>
          Show{' '}
          <select value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
            <option value="note">the notes</option>
            <option value="all">all files</option>
          </select>
        </label>
        <fieldset class="inline">
          <legend>Edges</legend>
          {edgeKinds.filter((k) => counts[k.id]).map((k) => (
            <label key={k.id} class={`edge-toggle e-${k.id}`}>
              <input type="checkbox" checked={show[k.id]} onChange={(e) => setShow({ ...show, [k.id]: e.currentTarget.checked })} /> {k.label} ({counts[k.id]})
            </label>
          ))}
        </fieldset>
      </div>
      <form class="connect" onSubmit={connect} aria-label="Path between two topics">
        <label>
          From topic <input list="topics" value={a} onInput={(e) => setA(e.currentTarget.value)} placeholder="e.g. Neural networks" />
        </label>
        <label>
          to topic <input list="topics" value={b} onInput={(e) => setB(e.currentTarget.value)} placeholder="e.g. Backpropagation" />
        </label>
        <datalist id="topics">
          {titles.concat(tags).map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button type="submit">Find the path</button>
        <span aria-live="polite" class="muted">
          {pathMsg}
        </span>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!graph && !error && <p class="muted">Building the graph…</p>}
      {graph && graph.nodes.length === 0 && <p>No notes indexed yet.</p>}
      {graph && graph.nodes.length > 0 && (
        <div class="graph-wrap">
          <div ref={wrap} class="graph-box">
          <svg
            ref={svg}
            class="graph"
            viewBox={`0 0 ${W} ${H}`}
            role="group"
            aria-label={`Knowledge graph: ${graph.nodes.length} nodes, ${edges.length} edges. Each node is a button.`}
            onPointerMove={move}
            onPointerUp={up}
            onPointerLeave={up}
          >
            <g class="edges">
              {pos.length === graph.nodes.length &&
                edges.map((e, i) => {
                  const p = pos[e.from], q = pos[e.to];
                  const hot = pathEdge(e) ? ' on-path' : sel !== null && (e.from === sel || e.to === sel) ? ' hot' : '';
                  return <line key={i} class={`edge e-${e.kind}${hot}`} x1={p.x} y1={p.y} x2={q.x} y2={q.y} />;
                })}
            </g>
            <g class="nodes">
              {pos.length === graph.nodes.length &&
                graph.nodes.map((n, i) => {
                  const p = pos[i];
                  const cls = `node k-${n.kind}${sel === i ? ' selected' : ''}${onPath.has(i) ? ' on-path' : ''}`;
                  return (
                    <g
                      key={n.path}
                      class={cls}
                      transform={`translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`}
                      tabindex="0"
                      role="button"
                      aria-label={`${n.title || n.rel}${n.tags && n.tags.length ? ', tags ' + n.tags.join(', ') : ''}`}
                      aria-pressed={sel === i}
                      onPointerDown={down(i)}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          select(i);
                        }
                      }}
                    >
                      <circle class="ring" r="14" />
                      <circle r={onPath.has(i) || sel === i ? 9 : 7} />
                      <text x="11" y="4">
                        {(n.title || n.rel).slice(0, W < 640 ? 20 : 28)}
                      </text>
                    </g>
                  );
                })}
            </g>
          </svg>
          </div>
          <aside class="side" aria-live="polite">
            {path && (
              <section>
                <h2>Path</h2>
                <ol class="path-steps">
                  {path.map((st, i) => (
                    <li key={i}>
                      <strong>{st.node.title || st.node.rel}</strong>
                      {st.via && (
                        <span class="muted small">
                          {' '}
                          via {st.via.kind}
                          {st.via.label ? ` “${st.via.label}”` : ''}
                        </span>
                      )}
                    </li>
                  ))}
                </ol>
              </section>
            )}
            {sel !== null && graph.nodes[sel] && (
              <section>
                <h2>{graph.nodes[sel].title || graph.nodes[sel].rel}</h2>
                <p class="path">{graph.nodes[sel].rel}</p>
                {graph.nodes[sel].tags && <p>Tags: {graph.nodes[sel].tags.map((t) => '#' + t).join(' ')}</p>}
                <h3>Related</h3>
                {!related && <p class="muted">Loading…</p>}
                {related && related.error && <p class="error">{related.error}</p>}
                {Array.isArray(related) && related.length === 0 && <p class="muted">No neighbours.</p>}
                {Array.isArray(related) && (
                  <ul class="related">
                    {related.slice(0, 12).map((nb) => (
                      <li key={nb.node.path}>
                        <button
                          type="button"
                          class="link"
                          onClick={() => byPath.has(nb.node.path) && select(byPath.get(nb.node.path))}
                        >
                          {nb.node.title || nb.node.rel}
                        </button>{' '}
                        <span class="muted small">{nb.edges.map((e) => e.kind + (e.label ? ` “${e.label}”` : '')).join(', ')}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            )}
            {sel === null && !path && (
              <p class="muted">
                Select a node (click, or Tab to it and press Enter) to see its neighbours. Drag nodes to rearrange. Tags: {tags.map((t) => '#' + t).join(' ')}
              </p>
            )}
          </aside>
        </div>
      )}
    </section>
  );
}
