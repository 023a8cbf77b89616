// Package tokenizer turns text into token ids and back for the models Cortex
// runs, from the tokenizer stored in a GGUF file's metadata, with the same
// ids as llama.cpp.
//
// Two tokenizer models are supported (tokenizer.ggml.model):
//
//   - "gpt2": byte-level BPE. Text is split by a pre-tokenizer (the Llama 3
//     pattern for tokenizer.ggml.pre "llama-bpe"/"llama3", the GPT-2 pattern
//     for "gpt2"/"default"), each piece's bytes are mapped to printable
//     characters (GPT-2's byte-to-unicode table) and merged by the ranks in
//     tokenizer.ggml.merges. The splitters are hand-written state machines:
//     Go's regexp has no lookahead.
//   - "llama": SentencePiece-style. Spaces become U+2581, a space is
//     prefixed (tokenizer.ggml.add_space_prefix, default true), adjacent
//     pieces merge by the highest tokenizer.ggml.scores, and characters with
//     no token fall back to <0xXX> byte tokens.
//
// Control and user-defined tokens (tokenizer.ggml.token_type 3 and 4), such
// as <|begin_of_text|> or <|eot_id|>, are recognised in the text only when
// Encode is asked to parse specials (user-defined ones always, as llama.cpp
// does).
//
// Decode is the exact inverse of Encode for text without special tokens:
// Decode(Encode(s, false, false)) == s for every string s, including
// invalid UTF-8.
//
// ApplyChatTemplate renders a conversation in the model's chat format. There
// is no Jinja engine: the format is recognised from tokenizer.chat_template
// (BitNet b1.58 2B-4T's "User: …<|eot_id|>Assistant: ", Llama 3 headers)
// with a plain "Role: text" fallback.
//
// A *Tokenizer is immutable after FromGGUF and safe for concurrent use.
package tokenizer
