import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, explain, money } from '../api.js';
import { href } from '../router.js';
import { partyKey } from '../logic.js';

const statuses = ['paid', 'unpaid', 'overdue', 'partial', 'cancelled', 'unknown'];
const statusOf = (e) => (statuses.includes(e.status) ? e.status : 'unknown');
const partyOf = (e) => partyKey(e.party);

function ticks(from, to) {
  const out = [];
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() - (from.getUTCMonth() % 3), 1));
  while (d <= to) {
    out.push(new Date(d));
    d.setUTCMonth(d.getUTCMonth() + 3);
  }
  return out;
}

export function InvoicesPage() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [currency, setCurrency] = useState('');
  const [hover, setHover] = useState(null);

  useEffect(() => {
    get('/v1/memex/timeline?kind=invoice')
      .then((d) => setData(d.entries || []))
      .catch((e) => setError(explain(e)));
  }, []);

  const currencies = useMemo(() => {
    const c = {};
    for (const e of data || []) if (e.currency) c[e.currency] = (c[e.currency] || 0) + 1;
    return Object.entries(c).sort((a, b) => b[1] - a[1]).map(([k]) => k);
  }, [data]);
  const cur = currency || currencies[0] || '';
  const rows = useMemo(() => (data || []).filter((e) => !cur || e.currency === cur || !e.currency), [data, cur]);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p class="muted">Loading invoices…</p>;
  if (data.length === 0) return <p>No invoices indexed yet. Index a folder with invoices (nexus up --data DIR) and come back.</p>;

  const parties = [...new Set(rows.map(partyOf))].sort();
  const dated = rows.filter((e) => e.date);
  const times = dated.map((e) => Date.parse(e.date));
  const from = new Date(Math.min(...times)), to = new Date(Math.max(...times));
  const span = Math.max(to - from, 86400000);
  const maxTotal = Math.max(1, ...rows.map((e) => e.total || 0));
  const W = 900, left = 190, right = 20, rowH = 26, top = 30;
  const H = top + parties.length * rowH + 30;
  const x = (t) => left + ((t - from) / span) * (W - left - right);
  const r = (v) => 3 + 9 * Math.sqrt((v || 0) / maxTotal);

  // Totals per party and status.
  const totals = {};
  for (const e of rows) {
    const p = partyOf(e);
    totals[p] = totals[p] || { sum: 0 };
    totals[p][statusOf(e)] = (totals[p][statusOf(e)] || 0) + (e.total || 0);
    totals[p].sum += e.total || 0;
  }
  const byTotal = Object.entries(totals).sort((a, b) => b[1].sum - a[1].sum);
  const maxSum = Math.max(1, ...byTotal.map(([, t]) => t.sum));
  const BW = 900, bLeft = 190, bH = 22;
  const usedStatuses = statuses.filter((s) => rows.some((e) => statusOf(e) === s));
  const grand = {};
  for (const e of rows) grand[statusOf(e)] = (grand[statusOf(e)] || 0) + (e.total || 0);

  return (
    <section class="invoices">
      <div class="toolbar">
        {currencies.length > 1 && (
          <label>
            Currency{' '}
            <select value={cur} onChange={(e) => setCurrency(e.currentTarget.value)}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        )}
        <ul class="legend" aria-label="Status colours">
          {usedStatuses.map((s) => (
            <li key={s}>
              <span class={`swatch s-${s}`} aria-hidden="true" /> {s}: {money(grand[s], cur)}
            </li>
          ))}
        </ul>
        <span class="muted">{rows.length} invoices in {cur || 'all currencies'}</span>
      </div>

      <h2>Timeline by party</h2>
      <p class="muted small">
        Each dot is an invoice at its issue date; its size is the amount, its colour the status.<span class="narrow-only"> Scroll the charts sideways.</span>
      </p>
      <div class="chart-scroll" tabIndex={0} role="region" aria-label="Timeline chart (scrolls sideways)">
        <svg class="timeline" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Timeline of ${rows.length} invoices from ${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}; the table below has the same data`}>
          {ticks(from, to).map((t) => (
            <g key={+t} class="tick">
              <line x1={x(t)} x2={x(t)} y1={top - 8} y2={H - 24} />
              <text x={x(t)} y={H - 8} text-anchor="middle">
                {t.toISOString().slice(0, 7)}
              </text>
            </g>
          ))}
          {parties.map((p, i) => (
            <g key={p} class="row">
              <line x1={left} x2={W - right} y1={top + i * rowH} y2={top + i * rowH} />
              <text x={left - 10} y={top + i * rowH + 4} text-anchor="end">
                {p.length > 26 ? p.slice(0, 25) + '…' : p}
              </text>
            </g>
          ))}
          {dated.map((e) => (
            <circle
              key={e.path}
              class={`dot s-${statusOf(e)}`}
              cx={x(Date.parse(e.date))}
              cy={top + parties.indexOf(partyOf(e)) * rowH}
              r={r(e.total)}
              onPointerEnter={() => setHover(e)}
              onPointerLeave={() => setHover(null)}
            >
              <title>{`${partyOf(e)} · ${e.number || e.rel} · ${e.date} · ${money(e.total, e.currency)} · ${statusOf(e)}`}</title>
            </circle>
          ))}
        </svg>
      </div>
      <p class="muted small hover-line" aria-hidden="true">
        {hover ? `${partyOf(hover)} · ${hover.number || hover.rel} · issued ${hover.date} · ${money(hover.total, hover.currency)} · ${statusOf(hover)}` : ' '}
      </p>

      <h2>Totals by party and status</h2>
      <div class="chart-scroll" tabIndex={0} role="region" aria-label="Totals chart (scrolls sideways)">
        <svg class="bars" viewBox={`0 0 ${BW} ${byTotal.length * bH + 10}`} role="img" aria-label="Totals by party, stacked by status; the table below has the same data">
          {byTotal.map(([p, t], i) => {
            let acc = bLeft;
            const y = 5 + i * bH;
            return (
              <g key={p}>
                <text x={bLeft - 10} y={y + 14} text-anchor="end">
                  {p.length > 26 ? p.slice(0, 25) + '…' : p}
                </text>
                {usedStatuses.map((s) => {
                  if (!t[s]) return null;
                  const w = (t[s] / maxSum) * (BW - bLeft - 120);
                  const rect = <rect key={s} class={`s-${s}`} x={acc} y={y} width={w} height={bH - 6}><title>{`${p} ${s}: ${money(t[s], cur)}`}</title></rect>;
                  acc += w;
                  return rect;
                })}
                <text x={acc + 6} y={y + 14} class="small">
                  {money(t.sum, cur)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>

      <details class="table-details">
        <summary>Show the invoices as a table</summary>
        <div class="table-scroll">
          <table>
            <caption class="sr-only">Invoices in {cur}</caption>
            <thead>
              <tr>
                <th scope="col">Issued</th>
                <th scope="col">Party</th>
                <th scope="col">Number</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Total</th>
                <th scope="col">Due</th>
                <th scope="col">File</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.path}>
                  <td>{e.date || '–'}</td>
                  <td>{e.party || '–'}</td>
                  <td>{e.number || '–'}</td>
                  <td>
                    <span class={`swatch s-${statusOf(e)}`} aria-hidden="true" /> {statusOf(e)}
                  </td>
                  <td class="num">{money(e.total, e.currency)}</td>
                  <td>{e.due || '–'}</td>
                  <td>
                    <a href={href('search', { q: e.number || e.rel })}>{e.rel}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
