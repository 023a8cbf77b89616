package tokenizer

import (
	"slices"
	"strings"
	"testing"

	"nexusos/cortex/gguf"
)

func TestPreTokenizerQwen2(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		// Digits one by one (Llama 3 takes up to three).
		{"due: 2026-12-07!", []string{"due", ":", " ", "2", "0", "2", "6", "-", "1", "2", "-", "0", "7", "!"}},
		{"I've told he's", []string{"I", "'ve", " told", " he", "'s"}},
		{"  two  spaces\n\nand", []string{" ", " two", " ", " spaces", "\n\n", "and"}},
		{"café 🚀 12", []string{"café", " 🚀", " ", "1", "2"}},
	} {
		if got := splitQwen2(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("splitQwen2(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestQwen3EmbedVocab tokenizes with the vocabulary and merges of the
// synthetic Qwen3 embedding model that microsoft/BitNet's converter wrote
// (tokenizer.ggml.pre "qwen2"). The expected ids come from a separate
// byte-level BPE (lowest merge rank first) over the checkpoint's
// tokenizer.json, checked by hand against the pieces shown.
func TestQwen3EmbedVocab(t *testing.T) {
	f, err := gguf.Open("../testdata/qwen3-embed-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ConfigFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "gpt2" || c.Pre != "qwen2" || len(c.Tokens) != 512 || c.EOS != 151643 {
		t.Fatalf("metadata: model %q pre %q, %d tokens, eos %d", c.Model, c.Pre, len(c.Tokens), c.EOS)
	}
	// The converter writes Qwen3's <|endoftext|> id whatever the size of the
	// vocabulary; New rejects ids outside it.
	if _, err := New(c); err == nil {
		t.Fatal("New accepted an EOS id outside the vocabulary")
	}
	c.BOS, c.EOS = -1, 469
	tok, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text   string
		pieces string // the tokens' texts, "|"-separated (byte-mapped: Ġ is a space)
		ids    []int32
	}{
		{"Hello world", "H|el|l|o|Ġw|or|l|d", []int32{39, 291, 75, 78, 299, 322, 75, 67}},
		{"The invoice is due: 2026-12-07!", "The|Ġinvoice|Ġis|Ġdue|:|Ġ|2|0|2|6|-|1|2|-|0|7|!",
			[]int32{331, 297, 266, 452, 25, 220, 17, 15, 17, 21, 12, 16, 17, 12, 15, 22, 0}},
		{"query: What is BitNet?", "qu|er|y|:|Ġ|W|h|a|t|Ġis|ĠBitNet|?", []int32{286, 280, 88, 25, 220, 54, 71, 64, 83, 266, 315, 30}},
		{"  two  spaces\n\nand lines", "Ġ|Ġt|w|o|Ġ|Ġs|p|a|c|es|Ċ|Ċ|an|d|Ġl|i|n|es",
			[]int32{220, 256, 86, 78, 220, 300, 79, 64, 66, 259, 198, 198, 293, 67, 303, 72, 77, 259}},
		{"Die Rechnung ist bezahlt. La facture est payée.", "D|i|e|Ġ|R|e|ch|n|u|ng|Ġist|Ġbezahlt|.|Ġ|L|a|Ġfacture|Ġest|ĠpayÃ©e|.",
			[]int32{35, 72, 68, 220, 49, 68, 292, 77, 84, 288, 420, 462, 13, 220, 43, 64, 435, 308, 374, 13}},
		{"I've told he's there", "I|'|v|e|Ġto|l|d|Ġ|he|'|s|Ġthe|re", []int32{40, 6, 85, 68, 294, 75, 67, 220, 257, 6, 82, 258, 269}},
		{"café 🚀 12345", "c|a|f|Ã|©|Ġ|ð|Ł|ļ|Ģ|Ġ|1|2|3|4|5", []int32{66, 64, 69, 127, 102, 220, 172, 253, 248, 222, 220, 16, 17, 18, 19, 20}},
	} {
		got := tok.Encode(tc.text, false, true)
		if !slices.Equal(got, tc.ids) {
			t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.ids)
		}
		var pieces []string
		for _, id := range tc.ids {
			pieces = append(pieces, tok.TokenText(id))
		}
		if p := strings.Join(pieces, "|"); p != tc.pieces {
			t.Errorf("%q: pieces %s, want %s", tc.text, p, tc.pieces)
		}
		if d := tok.Decode(got); d != tc.text {
			t.Errorf("Decode(Encode(%q)) = %q", tc.text, d)
		}
		// add_eos_token: the pooled last token is <|endoftext|>.
		if all := tok.Encode(tc.text, true, true); len(all) != len(tc.ids)+1 || all[len(all)-1] != 469 {
			t.Errorf("Encode(%q, addSpecial) = %v, want the ids then 469", tc.text, all)
		}
	}
}

// TestGemma3EmbedVocab tokenizes with the vocabulary of the synthetic
// Gemma3 embedding model: the converter writes Gemma's BPE as a
// SentencePiece ("llama") vocabulary whose scores are minus the merge
// ranks, with byte fallback and no space prefix. The expected ids come
// from a separate implementation of that algorithm over the checkpoint's
// tokenizer.json (highest-scoring adjacent pair first; unknown symbols as
// <0xXX>), with <bos> and <eos> as its metadata asks.
func TestGemma3EmbedVocab(t *testing.T) {
	f, err := gguf.Open("../testdata/gemma3-embed-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text   string
		pieces string // the tokens' texts between <bos> and <eos>
		ids    []int32
	}{
		{"Hello world", "<0x48>|el|l|o|▁w|or|l|d", []int32{2, 76, 353, 271, 267, 361, 385, 271, 270, 1}},
		{"The invoice is due: 2026-12-07!", "The|▁invoice|▁is|▁d|u|e|:|▁|2|0|2|6|-|1|2|-|0|7|<0x21>",
			[]int32{2, 396, 359, 328, 347, 275, 261, 295, 260, 286, 281, 286, 292, 284, 285, 286, 284, 281, 293, 37, 1}},
		{"  two  spaces\n\nand lines", "▁|▁t|w|o|▁|▁s|p|a|c|es|<0x0A>|<0x0A>|an|d|▁l|i|n|es",
			[]int32{2, 260, 318, 289, 267, 260, 362, 276, 266, 272, 321, 14, 14, 355, 270, 365, 264, 263, 321, 1}},
		{"La facture est payée.", "L|a|▁f|a|c|tu|re|▁est|▁payée.", []int32{2, 312, 266, 336, 266, 272, 381, 331, 370, 442, 1}},
		{"café 🚀 12345", "c|a|f|é|▁|<0xF0>|<0x9F>|<0x9A>|<0x80>|▁1|2|3|4|5",
			[]int32{2, 272, 266, 279, 317, 260, 244, 163, 158, 132, 378, 286, 309, 310, 291, 1}},
	} {
		got := tok.Encode(tc.text, true, true)
		if !slices.Equal(got, tc.ids) {
			t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.ids)
		}
		var pieces []string
		for _, id := range tc.ids[1 : len(tc.ids)-1] {
			pieces = append(pieces, tok.TokenText(id))
		}
		if p := strings.Join(pieces, "|"); p != tc.pieces {
			t.Errorf("%q: pieces %s, want %s", tc.text, p, tc.pieces)
		}
		if d := tok.Decode(got[1 : len(got)-1]); d != tc.text {
			t.Errorf("Decode(Encode(%q)) = %q", tc.text, d)
		}
	}
}
