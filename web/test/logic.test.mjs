// Unit tests of the console's pure helpers (node:test, no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abstractCaption, correction, csvOf, currentValue, excerpts, partyKey, sourceOf, withoutChip } from '../src/logic.js';
import { layout } from '../src/force.js';
import { parseHash, href } from '../src/router.js';

test('withoutChip removes the words a filter came from', () => {
  const cases = [
    ['unpaid invoices last quarter', { field: 'time', label: 'issue 2026-07-01 – 2026-09-30', phrase: 'last quarter' }, 'unpaid invoices'],
    ['unpaid invoices last quarter', { field: 'status', value: 'unpaid', label: 'unpaid' }, 'invoices last quarter'],
    ['unpaid invoices last quarter', { field: 'kind', value: 'invoice', label: 'invoice' }, 'unpaid last quarter'],
    ['bank statements 2025', { field: 'kind', value: 'bank_statement', label: 'bank statement' }, '2025'],
    ['invoices from Contoso over 5000', { field: 'party', value: 'contoso', label: 'contoso', phrase: 'contoso' }, 'invoices from over 5000'],
    ['Overdue bills', { field: 'overdue', value: 'true', label: 'overdue' }, 'bills'],
    // Not a whole word: left alone.
    ['unpaidness', { field: 'status', value: 'unpaid', label: 'unpaid' }, null],
    ['invoices', { field: 'time', label: 'issue 2026', phrase: 'this year' }, null],
    // Regular-expression characters in a phrase are literal.
    ['total > 5 (eur)', { field: 'amount', label: 'x', phrase: '(eur)' }, 'total > 5'],
  ];
  for (const [text, chip, want] of cases) assert.equal(withoutChip(text, chip), want, `${text} without ${chip.field}`);
});

test('partyKey groups a party under one name', () => {
  for (const [name, want] of [
    ['Woodgrove Supplies Billing', 'Woodgrove Supplies'],
    ['Woodgrove Supplies Inc.', 'Woodgrove Supplies'],
    ['Northwind Traders Ltd.', 'Northwind Traders'],
    ['Litware LLC', 'Litware'],
    ['Proseware PLC', 'Proseware'],
    ['Fabrikam GmbH', 'Fabrikam'],
    ['Acme Billing Inc.', 'Acme'],
    ['Contoso', 'Contoso'],
    ['', '(unknown party)'],
    [undefined, '(unknown party)'],
  ]) assert.equal(partyKey(name), want, String(name));
});

test('csvOf reads the CSV an app printed', () => {
  const out = ['Invoices: 2', '', 'PARTY  TOTAL', '', 'CSV:', 'party,total', 'A,1.00', 'TOTAL,1.00', '', 'bye'];
  assert.deepEqual(csvOf(out), [['party', 'total'], ['A', '1.00'], ['TOTAL', '1.00']]);
  assert.equal(csvOf(['no csv here']), null);
  assert.equal(csvOf(['CSV:', 'header,only']), null);
});

test('excerpts keeps a prompt short', () => {
  const s = (n, c) => ({ text: c.repeat(n) });
  assert.equal(excerpts([s(3, 'a'), s(3, 'b')]), '- aaa\n- bbb');
  const long = excerpts([s(500, 'a'), s(200, 'b'), s(100, 'c'), s(50, 'd')]);
  assert.ok(long.length < 800, `${long.length} characters`);
  assert.match(long, /^- a{239}…\n- b{200}\n- c{100}\n- d{50}$/);
  assert.equal(excerpts([]), '');
});

test('layout is deterministic and stays inside the box', () => {
  const edges = [{ from: 0, to: 1 }, { from: 1, to: 2 }, { from: 3, to: 4 }, { from: 2, to: 0, weight: 0.7 }];
  const a = layout(7, edges, { width: 900, height: 600 });
  const b = layout(7, edges, { width: 900, height: 600 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 7);
  for (const p of a) {
    assert.ok(p.x >= 30 && p.x <= 900 - 30 && p.y >= 30 && p.y <= 600 - 30, JSON.stringify(p));
  }
  // Linked nodes end up closer than the average pair.
  const d = (i, j) => Math.hypot(a[i].x - a[j].x, a[i].y - a[j].y);
  let sum = 0, n = 0;
  for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) { sum += d(i, j); n++; }
  assert.ok(d(3, 4) < sum / n, `linked ${d(3, 4)} vs mean ${sum / n}`);
  assert.deepEqual(layout(0, [], {}), []);
  assert.equal(layout(1, [], { width: 100, height: 100 }).length, 1);
});

test('routes round-trip through the URL fragment', () => {
  assert.deepEqual(parseHash(''), { page: 'search', params: {} });
  assert.deepEqual(parseHash('#/graph'), { page: 'graph', params: {} });
  const h = href('search', { q: 'unpaid invoices & more', empty: '' });
  assert.equal(h, '#/search?q=unpaid+invoices+%26+more');
  assert.deepEqual(parseHash(h), { page: 'search', params: { q: 'unpaid invoices & more' } });
});

test('sourceOf says where a fact was read', () => {
  const sources = {
    total: { page: 1, line: 23, label: 'Gesamtbetrag', how: 'right', confidence: 0.85 },
    issuer: { page: 1, line: 2, how: 'letterhead', confidence: 0.8 },
    due_date: { page: 0, line: 0, how: 'terms', confidence: 0.7 },
  };
  assert.equal(sourceOf('total', sources), 'p1 l23 "Gesamtbetrag" right 0.85');
  assert.equal(sourceOf('party', sources), 'p1 l2 letterhead 0.80');
  assert.equal(sourceOf('due_date', sources), 'terms 0.70');
  assert.equal(sourceOf('status', sources), '');
  assert.equal(sourceOf('total', undefined), '');
});

test('abstractCaption says how the abstractive summary was written', () => {
  assert.equal(abstractCaption({ sentences: 3, tokens: 40, finish: 'stop' }), 'Written by the model from sentences 1–3 below (40 tokens).');
  assert.equal(abstractCaption({ sentences: 1, tokens: 1, finish: 'length' }), 'Written by the model from sentence 1 below (1 token, cut at the token limit).');
});

test('a correction sets one correctable fact; its source reads as the user\'s', () => {
  assert.deepEqual(correction('/d/a.pdf', 'issuer', '  Acme GmbH '), { path: '/d/a.pdf', set: { issuer: 'Acme GmbH' } });
  assert.deepEqual(correction('/d/a.pdf', 'due_date', ''), { path: '/d/a.pdf', set: { due_date: '' } });
  assert.equal(correction('/d/a.pdf', 'colour', 'red'), null);
  assert.equal(currentValue('issuer', { party: 'Contoso Ltd' }), 'Contoso Ltd');
  assert.equal(currentValue('issue_date', { issue_date: '2026-08-14T00:00:00Z' }), '2026-08-14');
  assert.equal(currentValue('total', { total: 12.5 }), '12.5');
  assert.equal(currentValue('status', {}), '');
  assert.equal(sourceOf('party', { issuer: { how: 'user', confidence: 1 } }), 'corrected by you');
});
