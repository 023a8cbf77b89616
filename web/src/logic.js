// Pure helpers of the pages, kept apart so web/test can check them
// without a browser.

// Words a filter without a recorded phrase usually came from.
const chipWords = {
  kind: (v) => {
    const w = v.replace(/_/g, ' ');
    return [w + 's', w + 'es', w];
  },
  status: (v) => [v],
  overdue: () => ['overdue', 'past due', 'late'],
  spent: () => ['spent', 'paid for', 'pay for'],
};

// withoutChip returns the question with the words that produced chip
// removed, or null when they cannot be found.
export function withoutChip(text, chip) {
  const cands = chip.phrase ? [chip.phrase] : (chipWords[chip.field] || (() => [chip.label]))(chip.value);
  for (const c of cands) {
    const re = new RegExp(`(^|\\W)${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=\\W|$)`, 'i');
    if (re.test(text)) return text.replace(re, '$1').replace(/\s+/g, ' ').trim();
  }
  return null;
}

// Party names vary across documents ("Contoso", "Contoso Inc.", "Contoso
// Billing"): the charts group them by the name without its legal form or
// department; the table keeps the name as written.
const suffix = /[\s,]+(billing|accounts|accounting|inc|incorporated|ltd|limited|llc|plc|corp|corporation|co|company|gmbh|ag|sa|sarl|bv|oy|ab)\.?$/i;
export function partyKey(name) {
  let s = (name || '').trim();
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(suffix, '');
  }
  return s || '(unknown party)';
}

// csvOf finds the CSV an app printed after a "CSV:" line.
export function csvOf(lines) {
  const i = lines.findIndex((l) => l.trim() === 'CSV:');
  if (i < 0) return null;
  const rows = [];
  for (const l of lines.slice(i + 1)) {
    if (!l.includes(',')) break;
    rows.push(l.split(','));
  }
  return rows.length > 1 ? rows : null;
}

// excerpts lists the summary's sentences for a prompt, at most about 700
// characters (small models have small context windows, and every token
// costs time on a CPU).
export function excerpts(sentences) {
  const out = [];
  let n = 0;
  for (const x of sentences) {
    const t = x.text.length > 240 ? x.text.slice(0, 239) + '…' : x.text;
    if (out.length && n + t.length > 700) break;
    out.push('- ' + t);
    n += t.length;
  }
  return out.join('\n');
}

// abstractCaption says how a summary's abstractive text was written: from
// which of the numbered sentences, in how many tokens, and whether the
// token limit cut it.
export function abstractCaption(a) {
  const from = a.sentences === 1 ? 'sentence 1' : `sentences 1–${a.sentences}`;
  const cut = a.finish === 'length' ? ', cut at the token limit' : '';
  return `Written by the model from ${from} below (${a.tokens} token${a.tokens === 1 ? '' : 's'}${cut}).`;
}

// Facts whose source is kept under another field name.
const sourceField = { party: 'issuer' };

// sourceOf says where a fact was read, as `nexus memex show` prints it:
// page, line, the label, how the value was placed, and the confidence
// ('p1 l23 "Gesamtbetrag" right 0.85'); '' when the record has no source
// for it.
export function sourceOf(key, sources) {
  const s = sources && sources[sourceField[key] || key];
  if (!s) return '';
  if (s.how === 'user') return 'corrected by you';
  const parts = [];
  if (s.page > 0) parts.push('p' + s.page);
  if (s.line > 0) parts.push('l' + s.line);
  if (s.label) parts.push(JSON.stringify(s.label));
  if (s.how) parts.push(s.how);
  parts.push(Number(s.confidence || 0).toFixed(2));
  return parts.join(' ');
}

// The facts a user can correct (POST /v1/memex/correct), by the names the
// record's sources use; the record's facts name the issuer "party".
export const correctable = ['kind', 'issuer', 'invoice_number', 'issue_date', 'due_date', 'paid_date', 'total', 'currency', 'status'];

// correction is the request that sets one fact of a file ('' for none);
// null when the field cannot be corrected.
export function correction(path, field, value) {
  if (!correctable.includes(field)) return null;
  return { path, set: { [field]: String(value ?? '').trim() } };
}

// currentValue is what a field holds in a record's facts, as a user would
// type it ('' when none).
export function currentValue(field, facts) {
  const v = facts ? facts[field === 'issuer' ? 'party' : field] : undefined;
  if (v === undefined || v === null) return '';
  if (/_date$/.test(field) && typeof v === 'string') return v.slice(0, 10);
  return String(v);
}
