// Package openai serves loaded Cortex models over the OpenAI HTTP API, so
// that existing clients (the official SDKs, LangChain, curl scripts) work
// against a NexusOS node unchanged.
//
//	m, err := cortex.Load("bitnet-2b.gguf", cortex.LoadOptions{})
//	h, err := openai.New(openai.Config{Models: []openai.Model{{Name: "bitnet-2b", Model: m}}})
//	http.ListenAndServe("127.0.0.1:8080", h) // or h.Register(mux)
//
// OpenHome builds the same over every model added under a NexusOS home
// (nexus cortex add), picking up models added while it runs; `nexus cortex
// serve` is the command that serves explicit model files.
//
// # Prefix cache
//
// Each model keeps the KV cache of its last sequence. A request whose
// prompt starts like that sequence (a chat resending its history, a shared
// system prompt) only processes the rest; usage.prompt_tokens_details.
// cached_tokens counts what was reused. The engine's forward pass is
// batch-invariant, so answers are bit-identical with and without the cache
// (the tests check this against cortex.Model.Generate and Chat).
//
// # Endpoints
//
//	GET  /v1/models             {"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}
//	GET  /v1/models/{id}        one model object
//	POST /v1/completions        prompt: string, [string], [int] or [[int]]
//	POST /v1/chat/completions   messages: [{role, content}] (content: string or [{type: "text", text}])
//	POST /v1/embeddings         input: string, [string], [int] or [[int]] (embedding models only)
//
// Both generation endpoints take model (empty: the first served model),
// max_tokens (chat also max_completion_tokens), temperature (default 1; 0
// is greedy), top_p, top_k (an extension, as llama.cpp's server has it),
// seed, stop (a string or up to 4 strings), n (only 1), stream and
// stream_options.include_usage. Other fields clients send (user,
// presence_penalty, …) are accepted and ignored; echo, logprobs, suffix
// and tools are refused with a 400, since silently ignoring them would
// return something the client did not ask for.
//
// An embedding model (cortex.Embedder; OpenHome serves those added under
// the home too) answers only /v1/embeddings, and a language model only the
// generation endpoints; the other kind gets a 400 naming the right one.
// /v1/embeddings takes up to MaxEmbeddingInputs inputs, encoding_format
// "float" or "base64" (little-endian float32s, what the OpenAI SDKs ask
// for by default) and dimensions only equal to the model's; each vector is
// unit-length. Embedding shares the generation slots (Config.MaxConcurrent).
//
// With "stream": true the answer is text/event-stream: one `data: {chunk}`
// event per piece of text (a chunk never splits a UTF-8 sequence, and text
// that may be the start of a stop string is held back until it is known not
// to be), a last chunk carrying finish_reason, a usage chunk when asked for,
// then `data: [DONE]`.
//
// # Errors
//
// Errors have OpenAI's shape, {"error": {"message", "type", "param",
// "code"}}: 400 invalid_request_error for bad JSON or fields, 404 with code
// model_not_found for an unknown model, 503 with code no_model (and how to
// add one) when no model is served, 413 for a body over
// Config.MaxRequestBytes, 429 when too many requests wait for the engine,
// 401 for a wrong API key (when Config.APIKey is set). An error after a
// stream has started is sent as a `data: {"error": …}` event.
//
// # Resources
//
// Generation is CPU-bound, so at most Config.MaxConcurrent generations run
// at once across all models (default 1: on a small machine two concurrent
// generations are each slower than two in a row); up to Config.MaxQueue more
// wait in FIFO order. Each generation uses the request's context: when the
// client disconnects, a waiting request leaves the queue and a running one
// stops between layers of the next token. A streaming client that stops
// reading without disconnecting is dropped after 30 s without progress.
// Each generation's KV cache is sized to its prompt plus max_tokens.
//
// A Handler is safe for concurrent use. It does not own its models: the
// caller closes them after the server has stopped.
package openai
