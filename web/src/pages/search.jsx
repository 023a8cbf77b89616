import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, qs, explain, money, day } from '../api.js';
import { href, navigate } from '../router.js';
import { correctable, correction, currentValue, sourceOf, withoutChip } from '../logic.js';

const examples = ['unpaid invoices last quarter', 'invoices from Contoso over 5000', 'what did we pay Litware for', 'receipts 2025', 'notes about photosynthesis'];

const factOrder = ['kind', 'party', 'status', 'invoice_number', 'issue_date', 'due_date', 'paid_date', 'total', 'balance_due', 'currency', 'language', 'date_ambiguous'];

function factValue(k, v, facts) {
  if (v === null || v === undefined) return '–';
  if (/_date$/.test(k)) return day(v);
  if ((k === 'total' || k === 'balance_due' || k === 'amount') && typeof v === 'number') return money(v, facts.currency);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// Facts lists a result's facts; once the file's record is loaded, each
// fact also says where it was read (page, line, label, how, confidence).
function Facts({ facts, sources }) {
  const keys = Object.keys(facts || {}).sort((a, b) => {
    const ia = factOrder.indexOf(a), ib = factOrder.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  if (!keys.length) return <p class="muted">No facts extracted.</p>;
  return (
    <dl class="facts">
      {keys.map((k) => {
        const src = sourceOf(k, sources);
        return (
          <div key={k}>
            <dt>{k.replace(/_/g, ' ')}</dt>
            <dd>
              {factValue(k, facts[k], facts)}
              {src && (
                <small class="source" title="where it was read: page, line, label, how, confidence">
                  {src}
                </small>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

// withReadingAids adds what the file's record knows about reading it
// (language, ambiguous dates) to a result's facts.
function withReadingAids(facts, record) {
  if (!record || !record.facts) return facts;
  const out = { ...facts };
  for (const k of ['language', 'date_ambiguous']) {
    if (record.facts[k] !== undefined) out[k] = record.facts[k];
  }
  return out;
}

// CorrectFact lets the user fix a fact extraction misread; the node keeps
// the correction when the file is indexed again (nexus memex correct).
function CorrectFact({ record, id, onCorrected }) {
  const [field, setField] = useState('issuer');
  const [value, setValue] = useState(() => currentValue('issuer', record.facts));
  const [state, setState] = useState({ busy: false, msg: '', err: '' });
  const choose = (f) => {
    setField(f);
    setValue(currentValue(f, record.facts));
  };
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, msg: '', err: '' });
    try {
      const rec = await post('/v1/memex/correct', correction(record.path, field, value));
      onCorrected(rec);
      setState({ busy: false, msg: `Saved: ${field.replace(/_/g, ' ')} is ${value.trim() || 'none'}.`, err: '' });
    } catch (e2) {
      setState({ busy: false, msg: '', err: explain(e2) });
    }
  };
  return (
    <form class="correct" onSubmit={submit} aria-label="Correct a fact">
      <label for={id + '-field'}>Correct</label>
      <select id={id + '-field'} value={field} onChange={(e) => choose(e.currentTarget.value)}>
        {correctable.map((f) => (
          <option key={f} value={f}>
            {f.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
      <input
        aria-label="Right value (empty: none)"
        value={value}
        placeholder={/_date$/.test(field) ? 'YYYY-MM-DD' : 'empty: the document has none'}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit" disabled={state.busy}>
        Save
      </button>
      <span role="status" class={state.err ? 'error' : 'muted'}>
        {state.err || state.msg}
      </span>
    </form>
  );
}

function Result({ r, i }) {
  const [open, setOpen] = useState(false);
  const [record, setRecord] = useState(null);
  const [facts, setFacts] = useState(r.facts);
  const [err, setErr] = useState(null);
  const toggle = async () => {
    setOpen(!open);
    if (!open && !record) {
      try {
        setRecord(await get('/v1/memex/file?' + qs({ path: r.path })));
      } catch (e) {
        setErr(explain(e));
      }
    }
  };
  const id = `result-${i}`;
  return (
    <li class="result">
      <article aria-labelledby={id + '-t'}>
        <header>
          <h3 id={id + '-t'}>
            <span class={`kind kind-${r.kind}`}>{r.kind || 'file'}</span> {r.title || r.rel}
          </h3>
          <span class="path" title={r.path}>
            {r.rel}
          </span>
          <span class="score" title="fused relevance score">
            score {r.score.toFixed(2)}
          </span>
        </header>
        {r.snippet && <pre class="snippet">{r.snippet}</pre>}
        {r.why && r.why.length > 0 && (
          <div class="why">
            <span class="muted">Why it matched:</span>
            <ul>
              {r.why.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        )}
        <Facts facts={withReadingAids(facts, record)} sources={record && record.sources} />
        <button type="button" class="link" aria-expanded={open} aria-controls={id + '-rec'} onClick={toggle}>
          {open ? 'Hide' : 'Show'} where the facts came from and the full record
        </button>
        {open && (
          <div id={id + '-rec'} class="record">
            {err && <p class="error">{err}</p>}
            {!err && !record && <p class="muted">Loading…</p>}
            {record && (
              <CorrectFact
                record={record}
                id={id}
                onCorrected={(rec) => {
                  setRecord(rec);
                  setFacts({ ...rec.facts, kind: rec.kind });
                }}
              />
            )}
            {record && <pre>{JSON.stringify(record, null, 2)}</pre>}
          </div>
        )}
      </article>
    </li>
  );
}

// StartHere tells a new user what this node holds and where to look.
function StartHere({ status }) {
  if (!status) return null;
  const ing = status.ingest || {};
  const sealing = status.extra && status.extra.apps_sealing;
  const sealed = sealing ? (sealing.apps || []).filter((a) => (a.status === 'sealed' || a.status === 'up-to-date')).length : null;
  const folders = status.memex_folders || [];
  const demo = folders.some((f) => /\/demo$/.test(f));
  const cards = [
    {
      to: 'node',
      title: 'Your files',
      text:
        ing.state === 'running'
          ? `Indexing: ${ing.files} of ${ing.total_files || '?'} files so far.`
          : `${status.memex_files} files indexed${demo ? ' from the demo folder (invoices, receipts, a notes vault). Start nexus up --data DIR for your own.' : folders.length ? ' from ' + folders.join(', ') + '.' : '.'}`,
    },
    { to: 'graph', title: 'Knowledge graph', text: 'Notes joined by links, tags and meaning; find the path between two topics.' },
    { to: 'invoices', title: 'Invoices', text: 'A timeline and totals by party, amount and status.' },
    {
      to: 'apps',
      title: 'Apps',
      text: `Sealed microVM apps${
        sealed === null ? '' : sealed === (sealing.apps || []).length ? ` (${sealed} ready)` : ` (sealing: ${sealed} of ${(sealing.apps || []).length} ready)`
      }: run the invoice report on any result set.`,
    },
    {
      to: 'cortex',
      title: 'Cortex',
      text: status.cortex && status.cortex.state === 'ready' ? `Chat with ${status.cortex.models.join(', ')}.` : 'No language model yet: see how to add one. Search and summaries work without.',
    },
  ];
  return (
    <nav class="start" aria-label="Start here">
      <ul>
        {cards.map((c) => (
          <li key={c.to}>
            <a href={href(c.to)}>
              <strong>{c.title}</strong>
              <span>{c.text}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function SearchPage({ params, status, setLastQuery }) {
  const q = params.q || '';
  const [text, setText] = useState(q);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [note, setNote] = useState(null);
  const [busy, setBusy] = useState(false);
  // Bumped to search again for the same question (Enter on an unchanged box).
  const [again, setAgain] = useState(0);
  const input = useRef(null);

  // The box follows the URL when it changes (back, a chip removed, a link),
  // but not on arrival: the box starts with q, and what the person typed
  // since must not be wiped by a late effect.
  const shownQ = useRef(q);
  useEffect(() => {
    if (shownQ.current !== q) {
      shownQ.current = q;
      setText(q);
    }
    if (!q) {
      setAnswer(null);
      return;
    }
    const ctl = new AbortController();
    setBusy(true);
    setError(null);
    get('/v1/memex/query?' + qs({ q, limit: 20 }), ctl.signal)
      .then((a) => {
        setAnswer(a);
        setLastQuery(q);
        setBusy(false);
      })
      .catch((e) => {
        if (e.name === 'AbortError') return;
        setError(explain(e));
        setAnswer(null);
        setBusy(false);
      });
    return () => ctl.abort();
  }, [q, again]);

  useEffect(() => {
    if (!q && input.current) input.current.focus();
  }, []);

  const submit = (e) => {
    e.preventDefault();
    setNote(null);
    const t = text.trim();
    if (t === q) setAgain((n) => n + 1);
    else if (t) navigate('search', { q: t });
  };
  const remove = (chip) => {
    const t = withoutChip(q, chip);
    if (t === null || t === q) {
      setNote(`“${chip.label}” is implied by the question's wording; edit the question to drop it.`);
      return;
    }
    setNote(`Removed “${chip.label}”.`);
    navigate('search', { q: t || q });
  };

  return (
    <section>
      <form role="search" class="searchbox" onSubmit={submit}>
        <label for="q" class="sr-only">
          Ask MemexFS
        </label>
        <input
          id="q"
          ref={input}
          type="search"
          name="q"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="Ask your files: unpaid invoices from Contoso last quarter"
          autocomplete="off"
          spellcheck={false}
        />
        <button type="submit">Search</button>
      </form>
      {!q && (
        <div class="hints">
          <p>Ask in plain words: dates, status, parties and kinds of document are understood and become filters.</p>
          <p>
            Try:{' '}
            {examples.map((x, i) => (
              <span key={x}>
                {i > 0 && ' · '}
                <a href={href('search', { q: x })}>{x}</a>
              </span>
            ))}
          </p>
          <StartHere status={status} />
        </div>
      )}
      <div aria-live="polite" class="live">
        {busy && <p class="muted">Searching…</p>}
        {note && <p class="muted">{note}</p>}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {answer && !busy && <Answer answer={answer} onRemove={remove} />}
    </section>
  );
}

function Answer({ answer, onRemove }) {
  const chips = answer.chips || [];
  const u = answer.understood || {};
  const n = answer.results.length;
  return (
    <>
      <section class="understood" aria-labelledby="understood-h">
        <h2 id="understood-h" class="sr-only">
          What was understood
        </h2>
        {chips.length > 0 ? (
          <ul class="chips" aria-label="Understood filters">
            {chips.map((c, i) => (
              <li key={i} class={`chip chip-${c.field}`}>
                <span class="chip-field">{c.field}</span> {c.label}
                <button type="button" aria-label={`Remove filter ${c.field} ${c.label}`} title="Remove this filter" onClick={() => onRemove(c)}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No filters understood: ranked by meaning and words.</p>
        )}
        {u.rest && chips.length > 0 && (
          <p class="muted small">
            Also searching for: <q>{u.rest}</q>
          </p>
        )}
      </section>
      <div class="result-bar">
        <h2 id="results-h">
          {n} {n === 1 ? 'result' : 'results'}
          {answer.set && <span class="muted small"> (the complete set that matches the filters)</span>}
        </h2>
        <div class="actions">
          {(answer.apps || []).map((a) => (
            <a class="button" key={a} href={href('apps', { run: a, q: answer.query })}>
              Run {a} on these
            </a>
          ))}
          <a class="button secondary" href={href('cortex', { topic: answer.query })}>
            Summarize
          </a>
        </div>
      </div>
      {n === 0 ? (
        <p>Nothing matches. Remove a filter or ask differently.</p>
      ) : (
        <ol class="results" aria-labelledby="results-h">
          {answer.results.map((r, i) => (
            <Result key={r.path} r={r} i={i} />
          ))}
        </ol>
      )}
    </>
  );
}
