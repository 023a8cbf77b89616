// Drives a running `nexus serve` through the official Qdrant REST client
// (@qdrant/js-client-rest 1.16.2) and checks the answers.
// run.sh starts the server and sets NEXUS_QDRANT_URL and NEXUS_API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';

const url = process.env.NEXUS_QDRANT_URL;
const apiKey = process.env.NEXUS_API_KEY;
assert.ok(url, 'NEXUS_QDRANT_URL must be set (run this through run.sh)');

const client = new QdrantClient({ url, apiKey, checkCompatibility: false });
const C = 'jsclient';
const U1 = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';

const docs = [
  { id: 1, v: [1, 0, 0, 0], terms: [1, 2], kind: 'invoice', price: 100, date: '2026-01-10T00:00:00Z' },
  { id: 2, v: [0.9, 0.1, 0, 0], terms: [2, 3], kind: 'invoice', price: 50, date: '2026-02-10T00:00:00Z' },
  { id: 3, v: [0, 1, 0, 0], terms: [3, 4], kind: 'receipt', price: 10, date: '2026-03-10T00:00:00Z' },
  { id: 4, v: [0, 0, 1, 0], terms: [4, 5], kind: 'letter', price: 0, date: '2025-12-01T00:00:00Z' },
  { id: U1, v: [0, 0, 0.1, 1], terms: [5, 9], kind: 'note', price: 5, date: '2026-01-20T00:00:00Z' },
];
const sparse = (terms) => ({ indices: terms, values: terms.map(() => 1) });
const idsOf = (points) => points.map((p) => p.id);
const invoices = { must: [{ key: 'kind', match: { value: 'invoice' } }] };

// Tests run in file order (node:test runs top-level tests sequentially).

test('server answers and version is reported', async () => {
  const v = await client.versionInfo();
  assert.match(v.version, /^1\.\d+\.\d+$/);
});

test('the API key is required', async () => {
  const anonymous = new QdrantClient({ url, checkCompatibility: false });
  await assert.rejects(anonymous.getCollections(), (err) => {
    assert.equal(err.status, 403);
    return true;
  });
});

test('create collection with named dense and idf sparse vectors', async () => {
  if ((await client.collectionExists(C)).exists) await client.deleteCollection(C);
  assert.equal(await client.createCollection(C, {
    vectors: { d: { size: 4, distance: 'Cosine' } },
    sparse_vectors: { s: { modifier: 'idf' } },
    hnsw_config: { m: 16, ef_construct: 100 },
  }), true);
  assert.equal((await client.collectionExists(C)).exists, true);
  const info = await client.getCollection(C);
  assert.equal(info.config.params.vectors.d.size, 4);
  assert.equal(info.config.params.vectors.d.distance, 'Cosine');
  assert.equal(info.config.params.sparse_vectors.s.modifier, 'idf');
  const { collections } = await client.getCollections();
  assert.ok(collections.some((c) => c.name === C));
});

test('payload indexes', async () => {
  await client.createPayloadIndex(C, { field_name: 'kind', field_schema: 'keyword', wait: true });
  await client.createPayloadIndex(C, { field_name: 'price', field_schema: 'integer', wait: true });
  await client.createPayloadIndex(C, { field_name: 'date', field_schema: 'datetime', wait: true });
  const info = await client.getCollection(C);
  assert.equal(info.payload_schema.kind.data_type, 'keyword');
  assert.equal(info.payload_schema.price.data_type, 'integer');
});

test('upsert points (list and batch forms, integer and UUID ids)', async () => {
  const r = await client.upsert(C, {
    wait: true,
    points: docs.slice(0, 3).map((d) => ({
      id: d.id, vector: { d: d.v, s: sparse(d.terms) }, payload: { kind: d.kind, price: d.price, date: d.date },
    })),
  });
  assert.equal(r.status, 'completed');
  const rest = docs.slice(3);
  await client.upsert(C, {
    wait: true,
    batch: {
      ids: rest.map((d) => d.id),
      vectors: { d: rest.map((d) => d.v), s: rest.map((d) => sparse(d.terms)) },
      payloads: rest.map((d) => ({ kind: d.kind, price: d.price, date: d.date })),
    },
  });
  assert.equal((await client.count(C, { exact: true })).count, 5);
});

test('retrieve by ids', async () => {
  const recs = await client.retrieve(C, { ids: [1, U1, 999], with_payload: true, with_vector: true });
  assert.deepEqual(idsOf(recs).map(String).sort(), ['1', U1].sort());
  const one = recs.find((r) => r.id === 1);
  assert.equal(one.payload.kind, 'invoice');
  assert.equal(one.vector.d.length, 4);
});

test('query: nearest, filter, datetime range, by id, sparse', async () => {
  let res = await client.query(C, { query: [1, 0, 0, 0], using: 'd', limit: 3 });
  assert.deepEqual(idsOf(res.points), [1, 2, 3]);
  assert.ok(Math.abs(res.points[0].score - 1) < 1e-4);

  res = await client.query(C, { query: [0, 1, 0, 0], using: 'd', filter: invoices, limit: 10, with_payload: true });
  assert.deepEqual(idsOf(res.points).sort(), [1, 2]);
  assert.ok(res.points.every((p) => p.payload.kind === 'invoice'));

  res = await client.query(C, {
    query: [1, 0, 0, 0], using: 'd', limit: 10,
    filter: { must: [{ key: 'date', range: { gte: '2026-01-15T00:00:00Z', lt: '2026-03-01T00:00:00Z' } }] },
  });
  assert.deepEqual(idsOf(res.points).map(String).sort(), ['2', U1].sort());

  res = await client.query(C, { query: 1, using: 'd', limit: 1 });
  assert.deepEqual(idsOf(res.points), [2]);

  res = await client.query(C, { query: sparse([9]), using: 's', limit: 3 });
  assert.deepEqual(idsOf(res.points), [U1]);
});

test('query: hybrid prefetch fused by RRF and DBSF', async () => {
  for (const fusion of ['rrf', 'dbsf']) {
    const res = await client.query(C, {
      prefetch: [
        { query: [1, 0, 0, 0], using: 'd', limit: 3 },
        { query: sparse([3]), using: 's', limit: 3 },
      ],
      query: { fusion },
      limit: 3,
    });
    assert.equal(res.points.length, 3, fusion);
    assert.equal(res.points[0].id, 2, `${fusion}: point 2 is found by both prefetches`);
  }
});

test('query: order_by and batch', async () => {
  const res = await client.query(C, { query: { order_by: { key: 'price', direction: 'desc' } }, limit: 2 });
  assert.deepEqual(idsOf(res.points), [1, 2]);
  const batch = await client.queryBatch(C, {
    searches: [
      { query: [1, 0, 0, 0], using: 'd', limit: 1 },
      { query: [0, 0, 1, 0], using: 'd', limit: 1 },
    ],
  });
  assert.deepEqual(batch.map((r) => r.points[0].id), [1, 4]);
});

test('groups and facet', async () => {
  const res = await client.queryGroups(C, { query: [1, 0, 0, 0], using: 'd', group_by: 'kind', group_size: 2, limit: 2 });
  assert.deepEqual(res.groups.map((g) => g.id), ['invoice', 'receipt']);
  assert.deepEqual(idsOf(res.groups[0].hits), [1, 2]);
  const legacy = await client.searchPointGroups(C, {
    vector: { name: 'd', vector: [0, 0, 1, 0] }, group_by: 'kind', group_size: 1, limit: 2,
  });
  assert.deepEqual(legacy.groups.map((g) => g.id), ['letter', 'note']);
  const facet = await client.facet(C, { key: 'kind' });
  assert.deepEqual(facet.hits[0], { value: 'invoice', count: 2 });
  assert.equal(facet.hits.length, 4);
});

test('legacy search and recommend', async () => {
  const hits = await client.search(C, { vector: { name: 'd', vector: [0, 1, 0, 0] }, limit: 2, filter: invoices });
  assert.deepEqual(idsOf(hits), [2, 1]);
  assert.equal(hits[0].payload.kind, 'invoice'); // the client asks for payload by default

  const batch = await client.searchBatch(C, {
    searches: [{ vector: { name: 'd', vector: [0, 0, 1, 0] }, limit: 1 }],
  });
  assert.deepEqual(idsOf(batch[0]), [4]);

  const rec = await client.recommend(C, { positive: [1], negative: [3], using: 'd', limit: 1 });
  assert.deepEqual(idsOf(rec), [2]);
});

test('scroll with filter, order_by and offset', async () => {
  const page1 = await client.scroll(C, { limit: 2 });
  assert.deepEqual(idsOf(page1.points), [1, 2]);
  assert.equal(page1.next_page_offset, 3);
  const page2 = await client.scroll(C, { limit: 10, offset: page1.next_page_offset });
  assert.deepEqual(idsOf(page2.points), [3, 4, U1]);
  assert.equal(page2.next_page_offset ?? null, null);

  const cheap = await client.scroll(C, {
    filter: { must: [{ key: 'price', range: { lte: 10 } }] }, limit: 10, order_by: 'price',
  });
  assert.deepEqual(idsOf(cheap.points), [4, U1, 3]);
});

test('count with filters', async () => {
  assert.equal((await client.count(C, { filter: invoices, exact: true })).count, 2);
  assert.equal((await client.count(C, {
    filter: { should: [{ key: 'kind', match: { any: ['note', 'letter'] } }], must_not: [{ has_id: [4] }] },
  })).count, 1);
});

test('payload operations', async () => {
  await client.setPayload(C, { payload: { flag: true }, points: [3], wait: true });
  let [p] = await client.retrieve(C, { ids: [3] });
  assert.equal(p.payload.flag, true);
  assert.equal(p.payload.kind, 'receipt');

  await client.overwritePayload(C, { payload: { kind: 'receipt', only: 1 }, points: [3], wait: true });
  [p] = await client.retrieve(C, { ids: [3] });
  assert.deepEqual(p.payload, { kind: 'receipt', only: 1 });

  await client.deletePayload(C, { keys: ['only'], points: [3], wait: true });
  [p] = await client.retrieve(C, { ids: [3] });
  assert.deepEqual(p.payload, { kind: 'receipt' });

  await client.clearPayload(C, { points: [3], wait: true });
  [p] = await client.retrieve(C, { ids: [3] });
  assert.deepEqual(p.payload, {});
});

test('vector operations', async () => {
  await client.updateVectors(C, { points: [{ id: 4, vector: { d: [0, 1, 0, 0] } }], wait: true });
  const res = await client.query(C, { query: [0, 1, 0, 0], using: 'd', limit: 2 });
  assert.deepEqual(idsOf(res.points).sort(), [3, 4]);
  await client.deleteVectors(C, { points: [4], vector: ['s'], wait: true });
  const [p] = await client.retrieve(C, { ids: [4], with_vector: true });
  assert.equal(p.vector.s, undefined);
  assert.equal(p.vector.d.length, 4);
});

test('batch update', async () => {
  const res = await client.batchUpdate(C, {
    wait: true,
    operations: [
      { upsert: { points: [{ id: 10, vector: { d: [0, 0, 0, 1] }, payload: { kind: 'tmp' } }] } },
      { set_payload: { payload: { seen: true }, points: [10] } },
      { delete: { points: [10] } },
    ],
  });
  assert.equal(res.length, 3);
  assert.equal((await client.count(C, {})).count, 5);
});

test('aliases', async () => {
  await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: C, alias_name: 'jsalias' } }] });
  const { aliases } = await client.getAliases();
  assert.ok(aliases.some((a) => a.alias_name === 'jsalias' && a.collection_name === C));
  assert.equal((await client.count('jsalias', {})).count, 5);
  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'jsalias' } }] });
});

test('errors come back as client errors with Qdrant messages', async () => {
  await assert.rejects(client.getCollection('no_such_collection'), (err) => {
    assert.equal(err.status, 404);
    return true;
  });
  await assert.rejects(client.upsert(C, { wait: true, points: [{ id: 9, vector: { d: [1, 2] } }] }), (err) => {
    assert.equal(err.status, 400);
    return true;
  });
  assert.equal((await client.count(C, {})).count, 5, 'a rejected upsert changed nothing');
});

test('snapshots: create, list, download, recover, upload, delete', async (t) => {
  let snap;
  try {
    snap = await client.createSnapshot(C);
  } catch (err) {
    if (String(err?.data?.status?.error ?? err).includes('under construction')) {
      t.skip('engine snapshots not implemented yet');
      return;
    }
    throw err;
  }
  assert.ok(snap.name);
  const list = await client.listSnapshots(C);
  assert.ok(list.some((s) => s.name === snap.name));

  // Download (the client has no call for it; use fetch).
  const resp = await fetch(`${url}/collections/${C}/snapshots/${encodeURIComponent(snap.name)}`, {
    headers: { 'api-key': apiKey },
  });
  assert.equal(resp.status, 200);
  const data = Buffer.from(await resp.arrayBuffer());
  assert.equal(data.length, snap.size);

  // Recover from a file location into a new collection.
  const file = path.join(process.env.NEXUS_SCRATCH, snap.name);
  await writeFile(file, data);
  assert.equal(await client.recoverSnapshot('jsrestored', { location: `file://${file}` }), true);
  assert.equal((await client.count('jsrestored', {})).count, 5);

  // Upload as multipart form data.
  const form = new FormData();
  form.append('snapshot', new Blob([data]), snap.name);
  const up = await fetch(`${url}/collections/jsuploaded/snapshots/upload?wait=true`, {
    method: 'POST', body: form, headers: { 'api-key': apiKey },
  });
  assert.equal(up.status, 200, await up.clone().text());
  assert.equal((await client.count('jsuploaded', {})).count, 5);
  await client.deleteCollection('jsrestored');
  await client.deleteCollection('jsuploaded');
  await client.deleteSnapshot(C, snap.name);
  assert.ok(!(await client.listSnapshots(C)).some((s) => s.name === snap.name));
});

test('delete points and collection', async () => {
  await client.delete(C, { points: [1], wait: true });
  await client.delete(C, { filter: invoices, wait: true });
  assert.equal((await client.count(C, {})).count, 3);
  assert.equal(await client.deleteCollection(C), true);
  assert.equal((await client.collectionExists(C)).exists, false);
});
