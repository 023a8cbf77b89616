// Drives the gRPC server through the official Qdrant gRPC client for Node
// (@qdrant/js-client-grpc, Connect over HTTP/2). The Go test
// TestJSGrpcClient starts the server and passes its port and API key in
// QDRANT_GRPC_PORT and QDRANT_API_KEY. Expected results are computed here
// from the same data by brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient, ConnectError, ConnectErrorCode, Distance, toDenseVector } from '@qdrant/js-client-grpc';

const port = Number(process.env.QDRANT_GRPC_PORT);
const apiKey = process.env.QDRANT_API_KEY;
assert.ok(port > 0, 'QDRANT_GRPC_PORT must be set');

const client = new QdrantClient({ host: '127.0.0.1', port, apiKey, https: false, checkCompatibility: false });
const gzipClient = new QdrantClient({ host: '127.0.0.1', port, apiKey, compression: 'gzip', https: false, checkCompatibility: false });
const collectionName = 'js';

const num = (n) => ({ pointIdOptions: { case: 'num', value: BigInt(n) } });
const str = (s) => ({ kind: { case: 'stringValue', value: s } });
const int = (n) => ({ kind: { case: 'integerValue', value: BigInt(n) } });
const dense = (data) => ({ vector: { case: 'dense', value: { data } } });
const sparse = (indices, values) => ({ vector: { case: 'sparse', value: { indices, values } } });
const match = (key, keyword) => ({ conditionOneOf: { case: 'field', value: { key, match: { matchValue: { case: 'keyword', value: keyword } } } } });

const cities = ['Berlin', 'Paris', 'Rome'];
const points = Array.from({ length: 12 }, (_, i) => {
  const a = (i * 7919) % 13, b = (i * 104729) % 17;
  return {
    id: i + 1,
    vec: [Math.cos(a), Math.sin(a), Math.cos(b) / 2, Math.sin(b) / 2],
    city: cities[i % cities.length],
    words: [i % 5, 5 + (i % 3)],
  };
});

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

function nearest(q, keep, limit) {
  return points.filter(keep).map((p) => ({ id: p.id, score: cosine(p.vec, q) }))
    .sort((x, y) => y.score - x.score).slice(0, limit);
}

async function codeOf(promise) {
  try { await promise; } catch (err) { return ConnectError.from(err).code; }
  return 'ok';
}

test('health check', async () => {
  const r = await client.api('service').healthCheck({});
  assert.equal(r.title, 'qdrant - vector search engine');
  assert.match(r.version, /^\d+\.\d+\.\d+$/);
});

test('api key is required', async () => {
  const anon = new QdrantClient({ host: '127.0.0.1', port, https: false, checkCompatibility: false });
  assert.equal(await codeOf(anon.api('collections').list({})), ConnectErrorCode.Unauthenticated);
  const wrong = new QdrantClient({ host: '127.0.0.1', port, apiKey: 'wrong', https: false, checkCompatibility: false });
  assert.equal(await codeOf(wrong.api('collections').list({})), ConnectErrorCode.Unauthenticated);
});

test('collections, points and queries', async (t) => {
  await client.api('collections').create({
    collectionName,
    vectorsConfig: { config: { case: 'paramsMap', value: { map: { text: { size: 4n, distance: Distance.Cosine } } } } },
    sparseVectorsConfig: { map: { words: {} } },
  });
  const exists = await client.api('collections').collectionExists({ collectionName });
  assert.equal(exists.result.exists, true);

  const up = await client.api('points').upsert({
    collectionName,
    wait: true,
    points: points.map((p) => ({
      id: num(p.id),
      vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { text: dense(p.vec), words: sparse(p.words, [1, 1]) } } } },
      payload: { city: str(p.city), n: int(p.id) },
    })),
  });
  assert.ok(up.result.status >= 1, 'upsert acknowledged');

  const info = await client.api('collections').get({ collectionName });
  assert.equal(info.result.pointsCount, BigInt(points.length));

  await t.test('filtered nearest query', async () => {
    const q = [0.2, 0.9, -0.1, 0.3];
    const r = await gzipClient.api('points').query({
      collectionName,
      query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: q } } } } },
      using: 'text',
      filter: { must: [match('city', 'Rome')] },
      limit: 3n,
      params: { exact: true },
      withPayload: { selectorOptions: { case: 'enable', value: true } },
    });
    const want = nearest(q, (p) => p.city === 'Rome', 3);
    assert.deepEqual(r.result.map((s) => Number(s.id.pointIdOptions.value)), want.map((w) => w.id));
    r.result.forEach((s, i) => assert.ok(Math.abs(s.score - want[i].score) < 1e-4, `score ${i}`));
    assert.equal(r.result[0].payload.city.kind.value, 'Rome');
  });

  await t.test('hybrid query fused by RRF', async () => {
    const r = await client.api('points').query({
      collectionName,
      prefetch: [
        { query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: points[0].vec } } } } }, using: 'text', limit: 3n },
        { query: { variant: { case: 'nearest', value: { variant: { case: 'sparse', value: { indices: points[0].words, values: [1, 1] } } } } }, using: 'words', limit: 3n },
      ],
      query: { variant: { case: 'fusion', value: 0 } },
      limit: 5n,
    });
    assert.ok(r.result.length > 0 && r.result.length <= 5);
    assert.equal(Number(r.result[0].id.pointIdOptions.value), 1, 'point 1 leads both lists');
  });

  await t.test('scroll, count and get', async () => {
    const filter = { must: [match('city', 'Berlin')] };
    const s = await client.api('points').scroll({ collectionName, filter, limit: 100 });
    const want = points.filter((p) => p.city === 'Berlin').map((p) => p.id);
    assert.deepEqual(s.result.map((p) => Number(p.id.pointIdOptions.value)), want);
    const c = await client.api('points').count({ collectionName, filter, exact: true });
    assert.equal(c.result.count, BigInt(want.length));

    const g = await client.api('points').get({
      collectionName, ids: [num(2)], withVectors: { selectorOptions: { case: 'include', value: { names: ['text'] } } },
    });
    const v = toDenseVector(g.result[0].vectors.vectorsOptions.value.vectors.text);
    assert.ok(v, 'dense vector returned');
    assert.ok(cosine(v.data, points[1].vec) > 0.9999);
  });

  await t.test('errors map to gRPC codes', async () => {
    assert.equal(await codeOf(client.api('collections').get({ collectionName: 'missing' })), ConnectErrorCode.NotFound);
    assert.equal(await codeOf(client.api('points').upsert({
      collectionName, wait: true,
      points: [{ id: num(99), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { text: dense([1, 2]) } } } } }],
    })), ConnectErrorCode.InvalidArgument);
  });

  const del = await client.api('collections').delete({ collectionName });
  assert.equal(del.result, true);
});
