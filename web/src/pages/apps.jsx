import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, explain, bytes, duration } from '../api.js';
import { href } from '../router.js';
import { csvOf } from '../logic.js';

function Capabilities({ m }) {
  const caps = (m && m.capabilities) || {};
  const items = [];
  if (caps.memex) items.push(`MemexFS: read ${(caps.memex.folders || []).join(', ') || 'nothing'}`);
  if (caps.cortex) items.push(caps.cortex === true ? 'Cortex: may call the language model' : 'Cortex: ' + JSON.stringify(caps.cortex));
  for (const k of Object.keys(caps)) if (k !== 'memex' && k !== 'cortex') items.push(`${k}: ${JSON.stringify(caps[k])}`);
  if (!items.length) return <p class="muted small">No capabilities: pure computation, no access to your data.</p>;
  return (
    <ul class="caps">
      {items.map((c) => (
        <li key={c}>{c}</li>
      ))}
    </ul>
  );
}

// The log stream's "end" event carries "STATE REASON EXIT_CODE".
const endOK = (end) => /^exited \S* ?0$/.test(end);
function endText(end) {
  const [state, reason, code] = end.split(' ');
  if (state === 'exited') return `exited with code ${code ?? reason}`;
  return reason && reason !== state && !/^\d+$/.test(reason) ? `${state} (${reason})` : state || end;
}

function Output({ vm, onEnd }) {
  const [lines, setLines] = useState([]);
  const [end, setEnd] = useState(null);
  const box = useRef(null);
  useEffect(() => {
    setLines([]);
    setEnd(null);
    let closed = false;
    const src = new EventSource(`/v1/vms/${encodeURIComponent(vm.id)}/logs`);
    const fallback = async () => {
      // The stream broke: show what the node holds, once.
      src.close();
      if (closed) return;
      try {
        const res = await fetch(`/v1/vms/${encodeURIComponent(vm.id)}/logs`);
        const t = await res.text();
        if (!closed) {
          setLines(t.split('\n').filter((l, i, a) => i < a.length - 1 || l));
          setEnd('stream interrupted; showing the output so far');
        }
      } catch {
        if (!closed) setEnd('the node stopped answering');
      }
    };
    src.onmessage = (ev) => setLines((l) => [...l, ev.data]);
    src.addEventListener('reset', () => setLines([]));
    let ended = false;
    src.addEventListener('end', (ev) => {
      ended = true;
      src.close();
      setEnd(ev.data || 'ended');
      onEnd && onEnd();
    });
    src.onerror = () => {
      if (!ended && !closed) fallback();
    };
    return () => {
      closed = true;
      src.close();
    };
  }, [vm.id]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  const csv = end ? csvOf(lines) : null;
  const download = csv ? URL.createObjectURL(new Blob([csv.map((r) => r.join(',')).join('\n') + '\n'], { type: 'text/csv' })) : null;
  return (
    <section class="output" aria-labelledby="out-h">
      <h2 id="out-h">
        Output of {vm.name} <span class="muted small">{vm.id.slice(0, 8)}</span>
      </h2>
      <p role="status" class={end ? (endOK(end) ? 'ok-text' : 'error') : 'muted'}>
        {end ? `Finished: ${endText(end)}` : 'Running… output appears live'}
      </p>
      <pre ref={box} class="console-out" tabIndex={0} aria-label={`Output of ${vm.name}`}>
        {lines.join('\n')}
      </pre>
      {csv && (
        <>
          <h3>Report</h3>
          <div class="table-scroll">
            <table class="report">
              <thead>
                <tr>
                  {csv[0].map((h) => (
                    <th key={h} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {csv.slice(1).map((r, i) => (
                  <tr key={i} class={r[0] === 'TOTAL' ? 'total' : ''}>
                    {r.map((c, j) => (
                      <td key={j} class={/^[\d.]+$/.test(c) ? 'num' : ''}>
                        {c}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <a class="button secondary" href={download} download={`${vm.name}.csv`}>
            Download CSV
          </a>
        </>
      )}
    </section>
  );
}

export function AppsPage({ params, status, lastQuery }) {
  const [apps, setApps] = useState(null);
  const [vms, setVms] = useState([]);
  const [error, setError] = useState(null);
  const [vmError, setVmError] = useState(null);
  const [queries, setQueries] = useState({});
  const [argv, setArgv] = useState({});
  const [current, setCurrent] = useState(null);
  const [runErr, setRunErr] = useState(null);
  const started = useRef(false);

  const refreshVMs = async () => {
    try {
      setVms(await get('/v1/vms'));
      setVmError(null);
    } catch (e) {
      setVmError(explain(e));
    }
  };

  // The node seals its example apps in the background: list them again
  // each time another one is ready.
  const sealing = status && status.extra && status.extra.apps_sealing;
  const sealedNow = sealing ? (sealing.apps || []).filter((a) => (a.status === 'sealed' || a.status === 'up-to-date')).length : 0;
  useEffect(() => {
    get('/v1/apps')
      .then((a) => {
        setApps(a.apps || []);
        setError(null);
      })
      .catch((e) => setError(explain(e)));
  }, [sealedNow]);

  useEffect(() => {
    refreshVMs();
    const t = setInterval(() => !document.hidden && refreshVMs(), 2000);
    return () => clearInterval(t);
  }, []);

  const queryFor = (a) => (queries[a.name] !== undefined ? queries[a.name] : (params.run === a.name && params.q) || lastQuery || (a.handles && a.handles.query) || '');

  const run = async (a, q, argText) => {
    setRunErr(null);
    const body = {};
    if (q) body.query = q;
    const args = (argText || '').trim().split(/\s+/).filter(Boolean);
    if (args.length) body.args = args;
    try {
      const st = await post(`/v1/apps/${encodeURIComponent(a.name)}/run`, body);
      setCurrent(st);
      refreshVMs();
    } catch (e) {
      setRunErr(`${a.name}: ${explain(e)}`);
    }
  };

  // "Run X on these" from a search starts the app once.
  useEffect(() => {
    if (!apps || started.current || !params.run) return;
    started.current = true;
    const a = apps.find((x) => x.name === params.run);
    if (a) {
      run(a, params.q || '');
      history.replaceState(null, '', href('apps'));
    } else setRunErr(`No sealed app named ${params.run} (yet: apps are sealed in the background when the node starts).`);
  }, [apps]);

  const stop = async (id) => {
    try {
      await post(`/v1/vms/${encodeURIComponent(id)}/stop`);
    } catch (e) {
      setVmError(explain(e));
    }
    refreshVMs();
  };

  const running = vms.filter((v) => v.state === 'running' || v.state === 'created');
  return (
    <section class="apps">
      {runErr && (
        <p class="error" role="alert">
          {runErr}
        </p>
      )}
      {current && <Output key={current.id} vm={current} onEnd={refreshVMs} />}
      <h2>Sealed apps</h2>
      {error && <p class="error">{error}</p>}
      {!apps && !error && <p class="muted">Loading…</p>}
      {apps && apps.length === 0 && <p>No sealed apps yet. nexus up seals the examples in the background; build your own with nexus build.</p>}
      {sealing && sealing.state === 'sealing' && (
        <p class="muted small" role="status">
          Sealing the example apps: {sealedNow} of {(sealing.apps || []).length} ready.
        </p>
      )}
      <ul class="cards">
        {(apps || []).map((a) => (
          <li key={a.name} class="card">
            <h3>{a.name}</h3>
            <p class="muted small">
              tier {a.tier} · {bytes(a.size)} · {a.version || 'no version'} · <span title={a.digest}>{a.digest.slice(0, 19)}</span>
              {a.signer && ` · signed by ${a.signer}`}
            </p>
            {a.handles && (a.handles.kinds || a.handles.query) && (
              <p class="small">
                Handles: {(a.handles.kinds || []).join(', ')}
                {a.handles.query && ` · default question “${a.handles.query}”`}
              </p>
            )}
            <Capabilities m={a.manifest} />
            <details>
              <summary>Manifest</summary>
              <pre class="small">{JSON.stringify(a.manifest, null, 2)}</pre>
            </details>
            <form
              class="run"
              onSubmit={(e) => {
                e.preventDefault();
                run(a, a.manifest && a.manifest.capabilities && a.manifest.capabilities.memex ? queryFor(a) : '', argv[a.name]);
              }}
            >
              <label class="args">
                arguments{' '}
                <input value={argv[a.name] || ''} onInput={(e) => setArgv({ ...argv, [a.name]: e.currentTarget.value })} placeholder="optional" aria-label={`Arguments for ${a.name}`} />
              </label>
              {a.manifest && a.manifest.capabilities && a.manifest.capabilities.memex ? (
                <label>
                  on the files that answer{' '}
                  <input value={queryFor(a)} onInput={(e) => setQueries({ ...queries, [a.name]: e.currentTarget.value })} aria-label={`Question whose files ${a.name} runs on`} />
                </label>
              ) : null}
              <button type="submit" aria-label={`Run ${a.name}`}>
                Run
              </button>
            </form>
          </li>
        ))}
      </ul>
      <h2>microVMs</h2>
      {vmError && <p class="error">{vmError}</p>}
      <p class="muted small">{running.length} running · {vms.length} in total since the node started</p>
      {vms.length > 0 && (
        <div class="table-scroll">
          <table class="vms">
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">ID</th>
                <th scope="col">Tier</th>
                <th scope="col">State</th>
                <th scope="col" class="num">Memory</th>
                <th scope="col" class="num">Uptime</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...vms].sort((x, y) => (y.started_at || '').localeCompare(x.started_at || '') || y.id.localeCompare(x.id)).map((v) => (
                <tr key={v.id}>
                  <td>{v.name}</td>
                  <td>
                    <code>{v.id.slice(0, 8)}</code>
                  </td>
                  <td>{v.tier}</td>
                  <td>
                    {v.state === 'exited' ? `exited, code ${v.exit_code}` : v.reason && v.reason !== v.state && v.state !== 'running' ? `${v.state} (${v.reason})` : v.state}
                  </td>
                  <td class="num" title="largest linear memory reached">{v.memory_bytes ? bytes(v.memory_bytes) : '–'}</td>
                  <td class="num">{duration(v.uptime_seconds)}</td>
                  <td class="row-actions">
                    <button type="button" class="secondary" onClick={() => setCurrent(v)} aria-label={`Show output of ${v.name} ${v.id.slice(0, 8)}`}>
                      Output
                    </button>
                    {(v.state === 'running' || v.state === 'created') && (
                      <button type="button" class="danger" onClick={() => stop(v.id)} aria-label={`Stop ${v.name} ${v.id.slice(0, 8)}`}>
                        Stop
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
