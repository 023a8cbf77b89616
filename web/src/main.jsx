import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './style.css';
import { get } from './api.js';
import { href, useRoute } from './router.js';
import { SearchPage } from './pages/search.jsx';
import { GraphPage } from './pages/graph.jsx';
import { InvoicesPage } from './pages/invoices.jsx';
import { AppsPage } from './pages/apps.jsx';
import { CortexPage } from './pages/cortex.jsx';
import { NodePage } from './pages/node.jsx';

const pages = [
  { id: 'search', label: 'Search', title: 'Search MemexFS', Page: SearchPage },
  { id: 'graph', label: 'Graph', title: 'Knowledge graph', Page: GraphPage },
  { id: 'invoices', label: 'Invoices', title: 'Invoices by party, amount and status', Page: InvoicesPage },
  { id: 'apps', label: 'Apps', title: 'Apps and microVMs', Page: AppsPage },
  { id: 'cortex', label: 'Cortex', title: 'Cortex', Page: CortexPage },
  { id: 'node', label: 'Node', title: 'Node', Page: NodePage },
];

// useStatus polls GET /v1/status while the tab is visible.
function useStatus(every) {
  const [status, setStatus] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stop = false;
    let timer;
    const tick = async () => {
      if (!document.hidden) {
        try {
          const s = await get('/v1/status');
          if (!stop) {
            setStatus(s);
            setError(null);
          }
        } catch (e) {
          if (!stop) setError(e);
        }
      }
      if (!stop) timer = setTimeout(tick, every);
    };
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [every]);
  return [status, error];
}

function IngestBadge({ status }) {
  if (!status) return <span class="badge">connecting…</span>;
  const ing = status.ingest || {};
  if (ing.state === 'running') {
    return (
      <span class="badge busy" role="status">
        indexing {ing.files}/{ing.total_files || '?'} files
      </span>
    );
  }
  return (
    <span class="badge ok" role="status">
      {status.memex_files} files indexed
    </span>
  );
}

function App() {
  const route = useRoute();
  const [status, statusErr] = useStatus(2000);
  // The question of the last search: the Apps and Cortex pages work on
  // its result set.
  const [lastQuery, setLastQuery] = useState('');
  const page = pages.find((p) => p.id === route.page) || pages[0];
  const heading = useRef(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${page.title} · NexusOS`;
    // Move focus to the new page's heading so keyboard and screen-reader
    // users land on it (not on the first render).
    if (first.current) first.current = false;
    else if (heading.current) heading.current.focus();
  }, [page.id]);

  const { Page } = page;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); heading.current && heading.current.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('search')} aria-label="NexusOS console, go to search">
          <span class="logo" aria-hidden="true">◆</span> NexusOS
        </a>
        <nav aria-label="Console sections">
          <ul>
            {pages.map((p) => (
              <li key={p.id}>
                <a href={href(p.id)} aria-current={p.id === page.id ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="status-line">
          <IngestBadge status={status} />
          {status && <span class="version" title="node version">v {status.version}</span>}
        </div>
      </header>
      {statusErr && (
        <p class="banner error" role="alert">
          {statusErr.status === 401
            ? 'This node requires its API key: open the console once as /?api_key=YOUR_KEY.'
            : 'The node is not answering. Is nexus up still running?'}
        </p>
      )}
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {page.title}
        </h1>
        <Page params={route.params} status={status} lastQuery={lastQuery} setLastQuery={setLastQuery} />
      </main>
    </>
  );
}

// Opened as /?api_key=KEY, the node has set its key cookie with this page:
// drop the key from the address bar (and so from history and bookmarks).
if (new URLSearchParams(location.search).has('api_key')) {
  const u = new URL(location.href);
  u.searchParams.delete('api_key');
  history.replaceState(null, '', u.pathname + u.search + u.hash);
}

render(<App />, document.getElementById('app'));
