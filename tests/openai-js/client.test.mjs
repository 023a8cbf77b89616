// Drives `nexus cortex serve` with the official OpenAI client for Node.
// run.sh starts the server (models "tiny" and "long") and passes its URL,
// its API key and the expected continuations computed by `nexus cortex run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';

const baseURL = process.env.NEXUS_OPENAI_URL;
const apiKey = process.env.NEXUS_API_KEY;
const expectedDir = process.env.NEXUS_EXPECTED_DIR;
assert.ok(baseURL && apiKey && expectedDir, 'run through run.sh');

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const expected = (name) => JSON.parse(readFileSync(join(expectedDir, name), 'utf8'));
const prompt = 'Once upon a time';

async function collect(stream) {
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text ?? c.delta?.content ?? '';
      if (c.finish_reason) {
        assert.equal(finish, null, 'one finish_reason');
        finish = c.finish_reason;
      }
    }
  }
  return { text, finish, usage, chunks };
}

test('models.list and models.retrieve', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    assert.equal(m.owned_by, 'nexus');
    ids.push(m.id);
  }
  assert.deepEqual(ids.sort(), ['long', 'tiny']);
  const m = await client.models.retrieve('tiny');
  assert.equal(m.id, 'tiny');
});

for (const [name, file, params] of [
  ['greedy', 'greedy.json', { temperature: 0 }],
  ['seeded sampling', 'sampled.json', { temperature: 0.8, top_p: 0.9, seed: 42 }],
]) {
  test(`completions.create (${name}) equals cortex.Generate`, async () => {
    const want = expected(file);
    const res = await client.completions.create({ model: 'tiny', prompt, max_tokens: 24, ...params });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.model, 'tiny');
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].text, want.text);
    assert.equal(res.choices[0].finish_reason, want.stop === 'eos' ? 'stop' : 'length');
    const { prompt_tokens, completion_tokens, total_tokens } = res.usage;
    assert.deepEqual({ prompt_tokens, completion_tokens, total_tokens }, {
      prompt_tokens: want.prompt_tokens.length,
      completion_tokens: want.tokens.length,
      total_tokens: want.prompt_tokens.length + want.tokens.length,
    });
  });

  test(`completions.create stream (${name}) equals cortex.Generate`, async () => {
    const want = expected(file);
    const stream = await client.completions.create({
      model: 'tiny', prompt, max_tokens: 24, stream: true, stream_options: { include_usage: true }, ...params,
    });
    const got = await collect(stream);
    assert.equal(got.text, want.text);
    assert.equal(got.finish, want.stop === 'eos' ? 'stop' : 'length');
    assert.equal(got.usage.completion_tokens, want.tokens.length);
    assert.ok(got.chunks > 3, `streamed in ${got.chunks} chunks`);
  });
}

test('chat.completions.create, streamed and not, agree', async () => {
  const params = {
    model: 'tiny',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Tell me about the sea.' },
    ],
    max_tokens: 16,
    temperature: 0.7,
    seed: 5,
  };
  const res = await client.chat.completions.create(params);
  assert.equal(res.object, 'chat.completion');
  assert.ok(res.id.startsWith('chatcmpl-'));
  const msg = res.choices[0].message;
  assert.equal(msg.role, 'assistant');
  assert.ok(msg.content.length > 0);
  assert.ok(['stop', 'length'].includes(res.choices[0].finish_reason));
  assert.ok(res.usage.prompt_tokens > 0);

  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const got = await collect(stream);
  assert.equal(got.text, msg.content);
  assert.equal(got.finish, res.choices[0].finish_reason);
  assert.equal(got.usage.completion_tokens, res.usage.completion_tokens);
  assert.equal(got.usage.prompt_tokens, res.usage.prompt_tokens);
  // The same prompt again: all but its last token come from the prefix cache.
  assert.equal(got.usage.prompt_tokens_details.cached_tokens, res.usage.prompt_tokens - 1);
});

test('a chat\'s second turn reuses the first turn\'s prefix', async () => {
  const turn1 = [{ role: 'user', content: 'Where do rivers go?' }];
  const a = await client.chat.completions.create({ model: 'tiny', messages: turn1, max_tokens: 8, temperature: 0 });
  const turn2 = [...turn1, a.choices[0].message, { role: 'user', content: 'And then?' }];
  const b = await client.chat.completions.create({ model: 'tiny', messages: turn2, max_tokens: 8, temperature: 0 });
  assert.ok(b.usage.prompt_tokens_details.cached_tokens >= 5,
    `cached ${b.usage.prompt_tokens_details.cached_tokens} of ${b.usage.prompt_tokens}`);
});

test('chat stream helper (runner) assembles the message', async () => {
  const runner = client.chat.completions.stream({
    model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, temperature: 0,
  });
  let deltas = '';
  runner.on('content', (delta) => { deltas += delta; });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, deltas);
  assert.ok(deltas.length > 0);
});

test('stop sequences cut the text', async () => {
  const want = expected('greedy.json').text;
  // Two printable ASCII characters from the middle of the greedy text.
  let stop = '';
  for (let i = Math.floor(want.length / 3); i + 1 < want.length; i++) {
    if (/^[!-~]{2}$/.test(want.slice(i, i + 2))) { stop = want.slice(i, i + 2); break; }
  }
  assert.ok(stop, `no ASCII pair in ${JSON.stringify(want)}`);
  const cut = want.slice(0, want.indexOf(stop));
  const res = await client.completions.create({ model: 'tiny', prompt, max_tokens: 24, temperature: 0, stop: [stop] });
  assert.equal(res.choices[0].text, cut);
  assert.equal(res.choices[0].finish_reason, 'stop');
  const got = await collect(await client.completions.create({
    model: 'tiny', prompt, max_tokens: 24, temperature: 0, stop, stream: true,
  }));
  assert.equal(got.text, cut);
  assert.equal(got.finish, 'stop');
});

test('errors come back as the client\'s typed errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found' && err.param === 'model',
  );
  await assert.rejects(
    client.completions.create({ model: 'tiny', prompt: 'x', n: 2 }),
    (err) => err instanceof OpenAI.BadRequestError && err.type === 'invalid_request_error' && err.param === 'n',
  );
  await assert.rejects(
    client.completions.create({ model: 'tiny', prompt: 'x', max_tokens: 5000 }),
    (err) => err instanceof OpenAI.BadRequestError && err.param === 'max_tokens',
  );
  await assert.rejects(
    client.completions.create({ model: 'tiny', prompt: 'x'.repeat(2 << 20) }),
    (err) => err instanceof OpenAI.APIError && err.status === 413 && err.code === 'request_too_large',
  );
  const stranger = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(stranger.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
});

test('aborting a stream stops the generation and frees the engine', async () => {
  const stream = await client.completions.create({
    model: 'long', prompt, max_tokens: 4000, temperature: 0, stream: true,
  });
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.choices[0].finish_reason, null);
    if (++chunks === 2) break; // leaving the loop aborts the request
  }
  // One generation runs at a time: this answer means the aborted one ended
  // (run.sh then checks the server logged it as stopped).
  const res = await client.completions.create({ model: 'long', prompt, max_tokens: 4, temperature: 0 });
  assert.equal(res.usage.completion_tokens, 4);
});
