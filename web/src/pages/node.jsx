import { useState } from 'preact/hooks';
import { post, explain, bytes, duration } from '../api.js';

function Ingest({ ing }) {
  if (!ing || ing.state === 'idle') return <p class="muted">No ingest has run since the node started.</p>;
  const pct = ing.total_bytes ? Math.round((100 * ing.bytes) / ing.total_bytes) : 0;
  return (
    <div class="ingest">
      <p>
        <strong>{ing.state}</strong>: {ing.files} of {ing.total_files} files, {bytes(ing.bytes)} of {bytes(ing.total_bytes)}
        {ing.files_per_second ? ` · ${ing.files_per_second.toFixed(0)} files/s` : ''}
      </p>
      <progress max={ing.total_bytes || 1} value={ing.state === 'done' ? ing.total_bytes || 1 : ing.bytes} aria-label={`Ingest progress ${pct}%`}>
        {pct}%
      </progress>
      {ing.current && ing.state === 'running' && <p class="muted small">now: {ing.current}</p>}
      {ing.summary && (
        <p class="muted small">
          {ing.summary.indexed} indexed, {ing.summary.unchanged} unchanged, {ing.summary.removed} removed, {ing.summary.chunks} chunks
        </p>
      )}
      {ing.error && <p class="error">{ing.error}</p>}
    </div>
  );
}

function AddFolder() {
  const [p, setP] = useState('');
  const [msg, setMsg] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    if (!p.trim()) return;
    try {
      await post('/v1/memex/add', { paths: [p.trim()] });
      setMsg('Indexing started: progress shows above.');
    } catch (x) {
      setMsg(explain(x));
    }
  };
  return (
    <form class="searchbox" onSubmit={add}>
      <label for="add-path">Index a file or folder inside the node's data folders</label>
      <input id="add-path" value={p} onInput={(e) => setP(e.currentTarget.value)} placeholder="/path/inside/a/data/folder" />
      <button type="submit">Index</button>
      <span aria-live="polite" class="muted small">{msg}</span>
    </form>
  );
}

export function NodePage({ status }) {
  if (!status) return <p class="muted">Asking the node…</p>;
  const s = status;
  const sealing = s.extra && s.extra.apps_sealing;
  const listen = s.listen || {};
  return (
    <section class="node">
      <div class="grid">
        <section class="card" aria-labelledby="n-ver">
          <h2 id="n-ver">Version</h2>
          <dl class="facts">
            <div><dt>nexus</dt><dd>{s.version}</dd></div>
            <div><dt>Go</dt><dd>{s.go_version}</dd></div>
            <div><dt>Qdrant API</dt><dd>{s.qdrant_version}</dd></div>
            <div><dt>uptime</dt><dd>{duration(s.uptime_seconds)}</dd></div>
          </dl>
        </section>
        <section class="card" aria-labelledby="n-mem">
          <h2 id="n-mem">Memory</h2>
          <dl class="facts">
            <div><dt>resident</dt><dd>{bytes(s.memory.rss_bytes)}</dd></div>
            <div><dt>Go heap</dt><dd>{bytes(s.memory.heap_bytes)}</dd></div>
            <div><dt>from the OS</dt><dd>{bytes(s.memory.sys_bytes)}</dd></div>
          </dl>
        </section>
        <section class="card" aria-labelledby="n-listen">
          <h2 id="n-listen">Listening</h2>
          <dl class="facts">
            {Object.entries(listen).map(([k, v]) => (
              <div key={k}><dt>{k.replace(/_/g, ' ')}</dt><dd><code>{v}</code></dd></div>
            ))}
          </dl>
        </section>
      </div>
      <h2>MemexFS</h2>
      <p>
        {s.memex_files} files indexed from {s.memex_folders.length ? s.memex_folders.map((f) => <code key={f}>{f} </code>) : 'no folder'}
      </p>
      <Ingest ing={s.ingest} />
      <AddFolder />
      <h2>Collections</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr><th scope="col">Collection</th><th scope="col" class="num">Points</th><th scope="col" class="num">Indexed vectors</th><th scope="col" class="num">Segments</th></tr>
          </thead>
          <tbody>
            {s.collection_stats.map((c) => (
              <tr key={c.name}><td>{c.name}</td><td class="num">{c.points}</td><td class="num">{c.indexed_vectors}</td><td class="num">{c.segments}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Cortex</h2>
      <p>{s.cortex.state === 'ready' ? `Models: ${s.cortex.models.join(', ')}` : 'No language model (see the Cortex page).'}</p>
      <h2>Apps</h2>
      <p>{s.vms.length} microVMs running.</p>
      {sealing && (
        <>
          <p class="muted small">Sealing example apps from {sealing.source}: {sealing.state}</p>
          <ul class="sealing">
            {(sealing.apps || []).map((a) => (
              <li key={a.name}>
                {a.name}: {a.status}
                {a.error ? ` (${a.error})` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
