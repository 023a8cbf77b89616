// Drives a running `nexus serve` through LangChain.js's Qdrant vector store
// (@langchain/qdrant 1.0.3 on @langchain/core 1.4.0, both pinned in
// package-lock.json) and checks the answers. The embedder is local and
// deterministic (hashed bag of words), so no model or network is needed.
// run.sh starts the server and sets NEXUS_QDRANT_URL and NEXUS_API_KEY.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { QdrantVectorStore } from '@langchain/qdrant';

const url = process.env.NEXUS_QDRANT_URL;
const apiKey = process.env.NEXUS_API_KEY;
assert.ok(url, 'NEXUS_QDRANT_URL must be set (run this through run.sh)');

const DIM = 256;

// Hashed bag of words: every lower-cased word adds 1 to the coordinate its
// FNV-1a hash picks; the vector is L2-normalised. Texts sharing words are
// close, texts with no word in common are (nearly) orthogonal.
class HashEmbeddings extends Embeddings {
  constructor() {
    super({});
    this.calls = 0;
  }

  static embed(text) {
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

  async embedDocuments(texts) {
    this.calls += texts.length;
    return texts.map((t) => HashEmbeddings.embed(t));
  }

  async embedQuery(text) {
    this.calls += 1;
    return HashEmbeddings.embed(text);
  }
}

const embeddings = new HashEmbeddings();
const C = `langchain_${process.pid}`;
const config = { url, apiKey, collectionName: C };

// Point ids must be UUIDs or unsigned integers in Qdrant.
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const corpus = [
  { id: id(1), text: 'the cat sat on the warm mat', meta: { topic: 'pets', year: 2020, tags: ['cat', 'home'] } },
  { id: id(2), text: 'dogs chase cats around the garden', meta: { topic: 'pets', year: 2021, tags: ['dog'] } },
  { id: id(3), text: 'qdrant stores vectors for similarity search', meta: { topic: 'tech', year: 2023, tags: ['db'] } },
  { id: id(4), text: 'go programs compile into static binaries', meta: { topic: 'tech', year: 2022, tags: ['go'] } },
  { id: id(5), text: 'fresh bread from the bakery every morning', meta: { topic: 'food', year: 2019, tags: [] } },
  { id: id(6), text: 'qdrant stores vectors for fast similarity search', meta: { topic: 'tech', year: 2024, tags: ['db'] } },
];
const byId = Object.fromEntries(corpus.map((d) => [d.id, d]));
const idsOf = (docs) => docs.map((d) => d.id);

const store = new QdrantVectorStore(embeddings, config);

after(async () => {
  await store.client.deleteCollection(C).catch(() => {});
});

test('addDocuments creates the collection and stores content and metadata', async () => {
  const before = await store.client.getCollections();
  assert.ok(!before.collections.some((c) => c.name === C));

  await store.addDocuments(corpus.map((d) => new Document({ id: d.id, pageContent: d.text, metadata: d.meta })));

  // ensureCollection sized the collection from the embedder's output.
  const info = await store.client.getCollection(C);
  assert.equal(info.config.params.vectors.size, DIM);
  assert.equal(info.config.params.vectors.distance, 'Cosine');
  assert.equal((await store.client.count(C, { exact: true })).count, corpus.length);

  // The payload layout LangChain writes: {content, metadata, customPayload}.
  const [p] = await store.client.retrieve(C, { ids: [id(1)], with_payload: true, with_vector: true });
  assert.equal(p.payload.content, corpus[0].text);
  assert.deepEqual(p.payload.metadata, corpus[0].meta);
  assert.equal(p.vector.length, DIM);
  const want = HashEmbeddings.embed(corpus[0].text);
  for (let i = 0; i < DIM; i++) assert.ok(Math.abs(p.vector[i] - want[i]) < 1e-6, `vector[${i}]`);
});

test('similaritySearchWithScore ranks the matching document first', async () => {
  const res = await store.similaritySearchWithScore(corpus[2].text, 3);
  assert.equal(res.length, 3);
  const [[top, topScore], [second, secondScore], [, thirdScore]] = res;
  assert.equal(top.id, id(3));
  assert.equal(top.pageContent, corpus[2].text);
  assert.deepEqual(top.metadata, corpus[2].meta);
  assert.ok(Math.abs(topScore - 1) < 1e-4, `self-similarity ${topScore}`);
  // The near-duplicate comes next, then something much further away.
  assert.equal(second.id, id(6));
  assert.ok(secondScore < topScore && secondScore > 0.8, `second ${secondScore}`);
  assert.ok(thirdScore < 0.5, `third ${thirdScore}`);

  const docs = await store.similaritySearch('a cat on a mat', 1);
  assert.deepEqual(idsOf(docs), [id(1)]);
  assert.equal(docs[0].pageContent, corpus[0].text);
});

test('similaritySearch with a Qdrant filter on metadata', async () => {
  // A pets query restricted to tech documents only returns tech documents.
  const tech = { must: [{ key: 'metadata.topic', match: { value: 'tech' } }] };
  const res = await store.similaritySearch('the cat sat on the warm mat', 10, tech);
  assert.deepEqual(idsOf(res).sort(), [id(3), id(4), id(6)]);
  assert.ok(res.every((d) => d.metadata.topic === 'tech'));

  // Range and nested-key conditions, combined with must_not.
  const recentNotDb = {
    must: [{ key: 'metadata.year', range: { gte: 2021 } }],
    must_not: [{ key: 'metadata.tags[]', match: { value: 'db' } }],
  };
  const res2 = await store.similaritySearchWithScore('dogs chase cats', 10, recentNotDb);
  assert.deepEqual(res2.map(([d]) => d.id), [id(2), id(4)]);

  // should = OR; the filter narrows, the vector still orders.
  const petsOrFood = { should: [
    { key: 'metadata.topic', match: { value: 'food' } },
    { key: 'metadata.topic', match: { any: ['pets'] } },
  ] };
  const res3 = await store.similaritySearch('bread every morning', 2, petsOrFood);
  assert.equal(res3[0].id, id(5));
  assert.ok(res3.every((d) => ['pets', 'food'].includes(d.metadata.topic)));
});

test('maxMarginalRelevanceSearch trades the near-duplicate for diversity', async () => {
  const q = corpus[2].text;
  // Plain similarity: the exact match and its near-duplicate.
  assert.deepEqual(idsOf(await store.similaritySearch(q, 2)), [id(3), id(6)]);

  // LangChain passes `lambda` through as Qdrant's mmr.diversity.
  const diverse = await store.maxMarginalRelevanceSearch(q, { k: 2, fetchK: 6, lambda: 0.9 });
  assert.equal(diverse.length, 2);
  assert.equal(diverse[0].id, id(3));
  assert.notEqual(diverse[1].id, id(6));
  assert.equal(diverse[1].pageContent, byId[diverse[1].id].text);

  // Diversity 0 is plain relevance order.
  const relevant = await store.maxMarginalRelevanceSearch(q, { k: 2, fetchK: 6, lambda: 0 });
  assert.deepEqual(idsOf(relevant), [id(3), id(6)]);

  // No lambda: the store sends diversity null, the server's default applies.
  const dflt = await store.maxMarginalRelevanceSearch(q, { k: 3 });
  assert.equal(dflt.length, 3);
  assert.equal(dflt[0].id, id(3));

  // MMR combined with a filter.
  const pets = { must: [{ key: 'metadata.topic', match: { value: 'pets' } }] };
  const filtered = await store.maxMarginalRelevanceSearch('cats', { k: 5, fetchK: 6, lambda: 0.5, filter: pets });
  assert.deepEqual(idsOf(filtered).sort(), [id(1), id(2)]);
});

test('asRetriever returns the best documents', async () => {
  const retriever = store.asRetriever({ k: 2 });
  const docs = await retriever.invoke('go compile static binaries');
  assert.equal(docs.length, 2);
  assert.equal(docs[0].id, id(4));
  assert.equal(docs[0].metadata.topic, 'tech');
});

test('delete by ids and by filter', async () => {
  await store.delete({ ids: [id(2)] });
  assert.equal((await store.client.count(C, { exact: true })).count, 5);
  const res = await store.similaritySearch('dogs chase cats around the garden', 5);
  assert.ok(!idsOf(res).includes(id(2)));
  assert.equal(res.length, 5);

  await store.delete({ filter: { must: [{ key: 'metadata.topic', match: { value: 'food' } }] } });
  const left = await store.client.scroll(C, { limit: 10, with_payload: false });
  assert.deepEqual(left.points.map((p) => p.id).sort(), [id(1), id(3), id(4), id(6)]);

  await assert.rejects(store.delete({}), /Either ids or filter must be provided/);
});

test('fromExistingCollection reads what another store wrote', async () => {
  const calls = embeddings.calls;
  const again = await QdrantVectorStore.fromExistingCollection(embeddings, config);
  // The collection exists, so nothing was created (no probe embedding).
  assert.equal(embeddings.calls, calls);
  assert.equal((await again.client.count(C, { exact: true })).count, 4);

  const res = await again.similaritySearchWithScore('static binaries from go programs', 1);
  assert.equal(res[0][0].id, id(4));
  assert.deepEqual(res[0][0].metadata, corpus[3].meta);

  // Documents without ids get UUIDs from the store.
  await again.addDocuments([new Document({ pageContent: 'warm bread and cats', metadata: { topic: 'mixed' } })]);
  const [mixed] = await store.similaritySearch('warm bread and cats', 1);
  assert.equal(mixed.pageContent, 'warm bread and cats');
  assert.match(mixed.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('fromTexts into a new collection with a custom payload', async () => {
  const C2 = `${C}_texts`;
  try {
    const s = await QdrantVectorStore.fromTexts(
      ['red apples', 'green pears', 'yellow bananas'],
      [{ n: 1 }, { n: 2 }, { n: 3 }],
      embeddings,
      { url, apiKey, collectionName: C2, customPayload: [{ shelf: 'a' }, { shelf: 'b' }, { shelf: 'c' }] },
    );
    const res = await s.similaritySearch('green pears', 3, { must: [{ key: 'customPayload.shelf', match: { any: ['b', 'c'] } }] });
    assert.deepEqual(res.map((d) => d.pageContent), ['green pears', 'yellow bananas']);
    assert.deepEqual(res.map((d) => d.metadata.n), [2, 3]);
  } finally {
    await store.client.deleteCollection(C2).catch(() => {});
  }
});
