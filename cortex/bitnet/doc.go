// Package bitnet runs BitNet b1.58 language models from GGUF files on the
// CPU: the model graph, the KV cache, batched prompt processing and
// sampling.
//
// Two graph variants are supported, chosen by general.architecture:
//
//   - "bitnet" (upstream llama.cpp, and bitnet.cpp's 2024 releases):
//     SiLU-gated FFN, ternary TQ1_0/TQ2_0 linears with Q8_K activations (one
//     absmax per 256 values), or I2_S linears as below.
//   - "bitnet-b1.58" and "bitnet-25" (bitnet.cpp, BitNet b1.58 2B-4T):
//     squared-ReLU FFN (relu(gate)²·up); I2_S linears use bitnet.cpp's
//     per-token int8 activations, TQ linears still use Q8_K.
//
// Per layer, as llama.cpp computes it (see ../README.md of the reference
// vectors for the derivation):
//
//	h = rmsnorm(x)·attn_norm
//	q, k, v = L_q(h), L_k(h), L_v(h)        (· blk.N.attn_q.scale, + .bias if present)
//	q, k = rope_neox(q, k, pos)             (pairs (i, i+d/2) within a head)
//	a = softmax(f16(q)·f16(K)ᵀ/√d + causal)  →  f16(a)·f16(V)    (GQA)
//	x += L_o(rmsnorm(a)·attn_sub_norm)
//	h = rmsnorm(x)·ffn_norm
//	f = act(L_gate(h))·L_up(h)              (act = SiLU or relu²)
//	x += L_down(rmsnorm(f)·ffn_sub_norm)
//	logits = f16(rmsnorm(x)·output_norm) · outputᵀ   (output tied to token_embd)
//
// Embedding models (EmbedModel, EmbedSession; general.architecture "qwen3"
// or "gemma3", as microsoft/BitNet's convert-bitnet-embedding-to-gguf.py
// writes bitnet-embedding-0.6b and -270m) run a different block: each
// linear normalises its own input first, q and k are normalised per head,
// and the last token's hidden state is pooled; see EmbedSession.
//
// The KV cache is float16, like llama.cpp's default. Ternary products run
// through cortex/kernels; prompts are processed as matrix × matrix products
// so each weight block is decoded once per batch instead of once per token.
//
// A *Model is immutable after Load and safe for concurrent use; a *Session
// (one sequence with its KV cache and worker threads) is not.
package bitnet
