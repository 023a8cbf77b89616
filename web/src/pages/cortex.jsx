import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs, explain } from '../api.js';
import { abstractCaption, excerpts } from '../logic.js';

// streamChat posts to the OpenAI-compatible endpoint with stream: true and
// calls onDelta with each piece of text as it arrives (server-sent events).
async function streamChat(model, messages, onDelta, signal) {
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ model, messages, stream: true, max_tokens: 512 }),
    signal,
  });
  if (!res.ok) {
    let msg = res.statusText;
    try {
      const e = (await res.json()).error;
      msg = (typeof e === 'string' ? e : e && e.message) || msg;
    } catch {}
    throw new Error(res.status === 404 ? 'this node does not serve the OpenAI-compatible chat endpoint' : msg);
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, i);
      buf = buf.slice(i + 2);
      for (const line of ev.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const d = line.slice(5).trim();
        if (d === '[DONE]') return;
        let j;
        try {
          j = JSON.parse(d);
        } catch {
          continue;
        }
        if (j.error) throw new Error(typeof j.error === 'string' ? j.error : j.error.message);
        const t = j.choices?.[0]?.delta?.content ?? j.choices?.[0]?.text ?? '';
        if (t) onDelta(t);
      }
    }
  }
}

function Chat({ models, pending, onSent }) {
  const [model, setModel] = useState(models[0]);
  const [msgs, setMsgs] = useState([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const ctl = useRef(null);
  const send = async (e, said) => {
    if (e) e.preventDefault();
    const t = (said || text).trim();
    if (!t || busy) return;
    const history = [...msgs, { role: 'user', content: t }];
    setMsgs([...history, { role: 'assistant', content: '' }]);
    setText('');
    setBusy(true);
    setErr(null);
    ctl.current = new AbortController();
    try {
      await streamChat(model, history, (d) => setMsgs((m) => {
        const c = m.slice();
        c[c.length - 1] = { role: 'assistant', content: c[c.length - 1].content + d };
        return c;
      }), ctl.current.signal);
    } catch (x) {
      if (x.name !== 'AbortError') setErr(x.message);
      // Drop the answer bubble if nothing arrived.
      setMsgs((m) => (m.length && m[m.length - 1].role === 'assistant' && !m[m.length - 1].content ? m.slice(0, -1) : m));
    }
    setBusy(false);
  };
  // A summary asked for from the Summary section below.
  useEffect(() => {
    if (pending) {
      send(null, pending);
      onSent();
    }
  }, [pending]);
  return (
    <section aria-labelledby="chat-h">
      <h2 id="chat-h">Chat</h2>
      {models.length > 1 && (
        <label>
          Model{' '}
          <select value={model} onChange={(e) => setModel(e.currentTarget.value)}>
            {models.map((m) => <option key={m}>{m}</option>)}
          </select>
        </label>
      )}
      <ol class="chat" aria-live="polite">
        {msgs.map((m, i) => (
          <li key={i} class={`msg ${m.role}`}>
            <span class="sr-only">{m.role === 'user' ? 'You' : 'Cortex'}: </span>
            {m.content || (busy && i === msgs.length - 1 ? '…' : '')}
          </li>
        ))}
      </ol>
      {err && <p class="error" role="alert">Cortex: {err}</p>}
      <form class="searchbox" onSubmit={send}>
        <label for="chat-in" class="sr-only">Message to Cortex</label>
        <input id="chat-in" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder={`Ask ${model}…`} autocomplete="off" />
        <button type="submit" disabled={busy}>Send</button>
        {busy && <button type="button" class="secondary" onClick={() => ctl.current && ctl.current.abort()}>Stop</button>}
      </form>
    </section>
  );
}

function Summary({ topic, onAsk }) {
  const [t, setT] = useState(topic || '');
  const [sum, setSum] = useState(null);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (q) => {
    setErr(null);
    setSum(null);
    setBusy(true);
    try {
      setSum(await get('/v1/memex/summary?' + qs({ topic: q, n: 6 })));
    } catch (e) {
      setErr(explain(e));
    }
    setBusy(false);
  };
  useEffect(() => {
    if (topic) run(topic);
  }, [topic]);
  return (
    <section aria-labelledby="sum-h">
      <h2 id="sum-h">Summary of a result set</h2>
      <p class="muted small">The sentences that best cover the files answering a question (works without a model); with a chat model added, the model's short summary of them above.</p>
      <form class="searchbox" onSubmit={(e) => { e.preventDefault(); t.trim() && run(t.trim()); }}>
        <label for="sum-in" class="sr-only">Question or topic to summarize</label>
        <input id="sum-in" value={t} onInput={(e) => setT(e.currentTarget.value)} placeholder="e.g. unpaid invoices, photosynthesis" />
        <button type="submit">Summarize</button>
      </form>
      {err && <p class="error" role="alert">{err}</p>}
      {busy && <p class="muted" role="status">Summarizing…</p>}
      {sum && sum.abstractive && (
        <div class="abstractive" aria-labelledby="abs-h">
          <h3 id="abs-h">Summary by {sum.abstractive.model}</h3>
          <p>{sum.abstractive.text}</p>
          <p class="muted small">{abstractCaption(sum.abstractive)}</p>
        </div>
      )}
      {sum && !sum.abstractive && sum.abstractive_reason && (
        <p class="muted small abstractive-reason">{sum.abstractive_reason.charAt(0).toUpperCase() + sum.abstractive_reason.slice(1)}.</p>
      )}
      {sum && (
        <ol class="summary">
          {(sum.sentences || []).map((s, i) => (
            <li key={i}>
              {s.text}{' '}
              <span class="muted small path" title={s.source}>
                ({s.source.split('/').slice(-2).join('/')})
              </span>
            </li>
          ))}
          {(!sum.sentences || sum.sentences.length === 0) && <li class="muted">Nothing to summarize for this topic.</li>}
        </ol>
      )}
      {sum && onAsk && sum.sentences && sum.sentences.length > 0 && (
        <button
          type="button"
          class="secondary"
          onClick={() => onAsk(`Summarize in a few sentences what these excerpts from my files say about “${sum.topic}”:\n` + excerpts(sum.sentences))}
        >
          Ask Cortex to summarize these
        </button>
      )}
    </section>
  );
}

export function CortexPage({ status, params, lastQuery }) {
  const c = status && status.cortex;
  const [pending, setPending] = useState(null);
  const ready = c && c.state === 'ready';
  return (
    <section class="cortex">
      {!c && <p class="muted">Asking the node…</p>}
      {c && c.state !== 'ready' && (
        <div class="notice" role="note" aria-labelledby="nomodel-h">
          <h2 id="nomodel-h">No language model yet</h2>
          <p>{c.hint.charAt(0).toUpperCase() + c.hint.slice(1)}.</p>
          <p>In a terminal, after downloading the file:</p>
          <pre>nexus cortex add ~/Downloads/ggml-model-i2_s.gguf --name bitnet-2b</pre>
          <p>then restart <code>nexus up</code>. Chat appears here once a model is added.</p>
          {c.without && <p class="muted">{c.without}.</p>}
        </div>
      )}
      {ready && <Chat models={c.models} pending={pending} onSent={() => setPending(null)} />}
      <Summary topic={params.topic || ''} key={params.topic || lastQuery} onAsk={ready ? setPending : null} />
    </section>
  );
}
