// Drives a running `nexus serve` through LlamaIndex.TS's Qdrant vector store
// (@llamaindex/qdrant 0.1.33 on @llamaindex/core 0.6.23, both pinned in
// package-lock.json) and checks the answers. Node embeddings are computed
// here (hashed bag of words), so no model or network is needed.
// run.sh starts the server and sets NEXUS_QDRANT_URL and NEXUS_API_KEY.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Document, TextNode, NodeRelationship } from '@llamaindex/core/schema';
import { VectorStoreQueryMode } from '@llamaindex/core/vector-store';
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import { QdrantVectorStore } from '@llamaindex/qdrant';

const url = process.env.NEXUS_QDRANT_URL;
const apiKey = process.env.NEXUS_API_KEY;
assert.ok(url, 'NEXUS_QDRANT_URL must be set (run this through run.sh)');

const DIM = 128;

// Hashed bag of words: every lower-cased word adds 1 to the coordinate its
// FNV-1a hash picks; the vector is L2-normalised.
function hashEmbed(text) {
  const v = new Array(DIM).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) {
      h ^= word.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    v[h % DIM] += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

// The same embedder as a LlamaIndex embedding model. The store's base class
// wants one (it falls back to Settings.embedModel and throws without it).
class HashEmbedding extends BaseEmbedding {
  async getTextEmbedding(text) {
    return hashEmbed(text);
  }
}
const embedModel = new HashEmbedding();
const embed = hashEmbed;

const C = `llamaindex_${process.pid}`;
const store = new QdrantVectorStore({ url, apiKey, collectionName: C, embeddingModel: embedModel });

// Two source documents, each split into nodes by hand. Node ids are the
// Qdrant point ids, so they are UUIDs.
const uuid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const manual = new Document({ id_: uuid(100), text: 'manual' });
const recipes = new Document({ id_: uuid(200), text: 'recipes' });
const spec = [
  { n: 1, doc: manual, text: 'install the printer driver before connecting the cable', meta: { section: 'setup', page: 1, lang: 'en' } },
  { n: 2, doc: manual, text: 'replace the toner cartridge when the light blinks', meta: { section: 'maintenance', page: 7, lang: 'en' } },
  { n: 3, doc: manual, text: 'clear a paper jam by opening the rear door', meta: { section: 'maintenance', page: 9, lang: 'de' } },
  { n: 4, doc: recipes, text: 'knead the dough and let the bread rise overnight', meta: { section: 'baking', page: 3, lang: 'en' } },
  { n: 5, doc: recipes, text: 'simmer the tomato sauce with garlic and basil', meta: { section: 'sauces', page: 12, lang: 'fr' } },
];
const nodes = spec.map((s) => new TextNode({
  id_: uuid(s.n),
  text: s.text,
  metadata: s.meta,
  relationships: { [NodeRelationship.SOURCE]: { nodeId: s.doc.id_ } },
}));
const q = (text, extra = {}) => ({
  queryEmbedding: embed(text), similarityTopK: 10, mode: VectorStoreQueryMode.DEFAULT, ...extra,
});
const sorted = (a) => [...a].sort();

after(async () => {
  await store.client().deleteCollection(C).catch(() => {});
});

test('add creates the collection and stores the nodes', async () => {
  // Embed the node texts (not the metadata) through the embedding model.
  const vectors = await store.embedModel.getTextEmbeddingsBatch(nodes.map((n) => n.text));
  nodes.forEach((n, i) => { n.embedding = vectors[i]; });
  const ids = await store.add(nodes);
  assert.deepEqual(ids, nodes.map((n) => n.id_));

  const info = await store.client().getCollection(C);
  assert.equal(info.config.params.vectors.size, DIM);
  assert.equal(info.config.params.vectors.distance, 'Cosine');
  assert.equal((await store.client().count(C, { exact: true })).count, nodes.length);

  // The payload is LlamaIndex's flat metadata plus its bookkeeping keys.
  const [p] = await store.client().retrieve(C, { ids: [uuid(2)], with_payload: true, with_vector: true });
  assert.deepEqual(p.vector.map((x) => Math.round(x * 1e5)), hashEmbed(spec[1].text).map((x) => Math.round(x * 1e5)));
  assert.equal(p.payload.section, 'maintenance');
  assert.equal(p.payload.page, 7);
  assert.equal(p.payload.doc_id, manual.id_);
  assert.equal(p.payload.ref_doc_id, manual.id_);
  assert.equal(p.payload._node_type, 'TextNode');
  assert.equal(JSON.parse(p.payload._node_content).text, spec[1].text);
});

test('query by vector returns nodes, ids and scores in order', async () => {
  const res = await store.query(q(spec[2].text, { similarityTopK: 3 }));
  assert.equal(res.ids.length, 3);
  assert.equal(res.ids[0], uuid(3));
  assert.equal(res.nodes[0].id_, uuid(3));
  assert.equal(res.nodes[0].text, spec[2].text);
  assert.deepEqual(res.nodes[0].metadata, spec[2].meta);
  assert.equal(res.nodes[0].sourceNode.nodeId, manual.id_);
  assert.ok(Math.abs(res.similarities[0] - 1) < 1e-4, `self-similarity ${res.similarities[0]}`);
  for (let i = 1; i < res.similarities.length; i++) {
    assert.ok(res.similarities[i] <= res.similarities[i - 1], 'scores descend');
  }

  const bread = await store.query(q('let the bread rise', { similarityTopK: 1 }));
  assert.deepEqual(bread.ids, [uuid(4)]);
  assert.equal(bread.nodes[0].sourceNode.nodeId, recipes.id_);
});

test('query with metadata filters', async () => {
  const ids = async (filters, text = 'the printer') => sorted((await store.query(q(text, { filters }))).ids);

  // == on a string (match.value) and on a number (range gte/lte).
  assert.deepEqual(await ids({ filters: [{ key: 'section', value: 'maintenance', operator: '==' }] }), [uuid(2), uuid(3)]);
  assert.deepEqual(await ids({ filters: [{ key: 'page', value: 9, operator: '==' }] }), [uuid(3)]);
  // Numeric comparisons, ANDed.
  assert.deepEqual(await ids({ filters: [
    { key: 'page', value: 3, operator: '>=' },
    { key: 'page', value: 9, operator: '<' },
  ] }), [uuid(2), uuid(4)]);
  assert.deepEqual(await ids({ filters: [{ key: 'page', value: 9, operator: '>' }] }), [uuid(5)]);
  assert.deepEqual(await ids({ filters: [{ key: 'page', value: 1, operator: '<=' }] }), [uuid(1)]);
  // != (match.except), in / nin (match.any / match.except).
  assert.deepEqual(await ids({ filters: [{ key: 'lang', value: 'en', operator: '!=' }] }), [uuid(3), uuid(5)]);
  assert.deepEqual(await ids({ filters: [{ key: 'lang', value: ['de', 'fr'], operator: 'in' }] }), [uuid(3), uuid(5)]);
  assert.deepEqual(await ids({ filters: [{ key: 'section', value: 'setup,baking', operator: 'in' }] }), [uuid(1), uuid(4)]);
  assert.deepEqual(await ids({ filters: [{ key: 'lang', value: ['en'], operator: 'nin' }] }), [uuid(3), uuid(5)]);
  // OR condition becomes `should`.
  assert.deepEqual(await ids({ condition: 'or', filters: [
    { key: 'section', value: 'sauces', operator: '==' },
    { key: 'page', value: 1, operator: '==' },
  ] }), [uuid(1), uuid(5)]);
  // Text match on the (unindexed) content key.
  assert.deepEqual(await ids({ filters: [{ key: 'section', value: 'maint', operator: 'text_match' }] }), [uuid(2), uuid(3)]);
  // is_empty: true for a key no node has, false for one every node has.
  assert.equal((await ids({ filters: [{ key: 'missing', operator: 'is_empty' }] })).length, nodes.length);
  assert.deepEqual(await ids({ filters: [{ key: 'lang', operator: 'is_empty' }] }), []);

  // The filter narrows and the vector still orders.
  const res = await store.query(q(spec[0].text, { similarityTopK: 1, filters: { filters: [{ key: 'lang', value: 'en', operator: '==' }] } }));
  assert.deepEqual(res.ids, [uuid(1)]);
});

test('query restricted to doc ids, with a query string, and with a raw Qdrant filter', async () => {
  // docIds become doc_id match.any.
  const res = await store.query(q('the printer', { docIds: [recipes.id_] }));
  assert.deepEqual(sorted(res.ids), [uuid(4), uuid(5)]);

  // A queryStr with no filters makes the store send `filter: {must: []}`,
  // which Qdrant treats as matching everything.
  const all = await store.query(q('garlic and basil', { queryStr: 'garlic and basil' }));
  assert.equal(all.ids.length, nodes.length);
  assert.equal(all.ids[0], uuid(5));

  // qdrant_filters replaces the generated filter.
  const raw = await store.query(q('the printer'), {
    qdrant_filters: { must_not: [{ key: 'doc_id', match: { value: manual.id_ } }] },
  });
  assert.deepEqual(sorted(raw.ids), [uuid(4), uuid(5)]);

  // qdrant_search_params are passed as Qdrant search params.
  const exact = await store.query(q(spec[3].text, { similarityTopK: 2 }), { qdrant_search_params: { exact: true, hnsw_ef: 64 } });
  assert.equal(exact.ids[0], uuid(4));
});

test('delete by ref doc id removes that document\'s nodes only', async () => {
  await store.delete(manual.id_);
  // The store does not wait for the delete; Qdrant (and nexus) applies it
  // before answering later requests on the same collection.
  const left = await store.query(q('the printer driver'));
  assert.deepEqual(sorted(left.ids), [uuid(4), uuid(5)]);
  assert.equal((await store.client().count(C, { exact: true })).count, 2);
  const none = await store.query(q('the printer', { docIds: [manual.id_] }));
  assert.deepEqual(none.ids, []);
});

test('a second store on the existing collection reads and writes it', async () => {
  const again = new QdrantVectorStore({ url, apiKey, collectionName: C, embeddingModel: embedModel });
  const res = await again.query(q('tomato sauce', { similarityTopK: 1 }));
  assert.deepEqual(res.ids, [uuid(5)]);

  // add() finds the collection exists (no re-create) and upserts.
  const extra = new TextNode({
    id_: uuid(6), text: 'fold the omelette with cheese', metadata: { section: 'eggs', page: 20, lang: 'en' },
    embedding: embed('fold the omelette with cheese'),
    relationships: { [NodeRelationship.SOURCE]: { nodeId: recipes.id_ } },
  });
  assert.deepEqual(await again.add([extra]), [uuid(6)]);
  const hit = await store.query(q('omelette with cheese', { similarityTopK: 1 }));
  assert.deepEqual(hit.ids, [uuid(6)]);
  assert.equal(hit.nodes[0].metadata.section, 'eggs');

  await again.delete(recipes.id_);
  assert.equal((await again.client().count(C, { exact: true })).count, 0);
});

test('adding to a store whose collection has the wrong size fails loudly', async () => {
  const C2 = `${C}_small`;
  try {
    await store.client().createCollection(C2, { vectors: { size: 4, distance: 'Cosine' } });
    const s = new QdrantVectorStore({ url, apiKey, collectionName: C2, embeddingModel: embedModel });
    await assert.rejects(s.add([nodes[0]]), (err) => {
      assert.equal(err.status, 400);
      return true;
    });
  } finally {
    await store.client().deleteCollection(C2).catch(() => {});
  }
});
