package tokenizer

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"nexusos/cortex/gguf"
)

var (
	loadMu sync.Mutex
	loaded = map[string]*Tokenizer{}
)

// load opens a gzipped vocab-only GGUF from testdata.
func load(t testing.TB, name string) *Tokenizer {
	t.Helper()
	loadMu.Lock()
	defer loadMu.Unlock()
	if tk, ok := loaded[name]; ok {
		return tk
	}
	fh, err := os.Open(filepath.Join("testdata", name+".gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.OpenBytes(raw)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	tk, err := FromGGUF(f)
	if err != nil {
		t.Fatalf("tokenizer %s: %v", name, err)
	}
	loaded[name] = tk
	return tk
}

type vocabCase struct {
	text string
	ids  []int32
}

// readCases reads upstream's test strings (separated by
// "\n__ggml_vocab_test__\n") and their expected ids, one line per string.
func readCases(t *testing.T, base string) []vocabCase {
	t.Helper()
	inp, err := os.ReadFile(filepath.Join("testdata", base+".inp"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join("testdata", base+".out"))
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(string(inp), "\n__ggml_vocab_test__\n")
	lines := strings.Split(string(out), "\n")
	if texts[len(texts)-1] == "" {
		texts = texts[:len(texts)-1]
	}
	if len(lines) < len(texts) {
		t.Fatalf("%d strings, %d id lines", len(texts), len(lines))
	}
	var cases []vocabCase
	for i, s := range texts {
		var ids []int32
		for _, f := range strings.Fields(lines[i]) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			ids = append(ids, int32(v))
		}
		cases = append(cases, vocabCase{s, ids})
	}
	return cases
}

func TestUpstreamVocabStrings(t *testing.T) {
	for _, tc := range []struct{ gguf, cases string }{
		{"llama3-bpe-vocab.gguf", "ggml-vocab-llama-bpe.gguf"},
		{"ggml-vocab-llama-spm.gguf", "ggml-vocab-llama-spm.gguf"},
	} {
		t.Run(tc.cases, func(t *testing.T) {
			tk := load(t, tc.gguf)
			cases := readCases(t, tc.cases)
			if len(cases) != 46 {
				t.Fatalf("%d cases, want 46", len(cases))
			}
			for i, c := range cases {
				got := tk.Encode(c.text, false, false)
				if !equalIDs(got, c.ids) {
					t.Errorf("case %d %q:\n got %v\nwant %v", i, c.text, got, c.ids)
				}
				if back := tk.Decode(got); back != c.text {
					t.Errorf("case %d: decode %q, want %q", i, back, c.text)
				}
			}
		})
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSpecialTokens(t *testing.T) {
	tk := load(t, "llama3-bpe-vocab.gguf")
	if tk.BOS() != 128000 || tk.EOS() != 128001 || tk.EOT() != 128009 {
		t.Fatalf("bos %d eos %d eot %d", tk.BOS(), tk.EOS(), tk.EOT())
	}
	if tk.TokenText(128000) != "<|begin_of_text|>" {
		t.Fatalf("token 128000 = %q", tk.TokenText(128000))
	}
	text := "<|begin_of_text|>Hello<|eot_id|>"
	parsed := tk.Encode(text, false, true)
	if len(parsed) != 3 || parsed[0] != 128000 || parsed[2] != 128009 {
		t.Errorf("parse special: %v", parsed)
	}
	plain := tk.Encode(text, false, false)
	if len(plain) <= 3 || tk.Decode(plain) != text {
		t.Errorf("no parse special: %v -> %q", plain, tk.Decode(plain))
	}
	if got := tk.Encode("Hello", true, false); len(got) != 2 || got[0] != 128000 {
		t.Errorf("addSpecial: %v", got)
	}
	if tk.Decode(parsed) != text {
		t.Errorf("decode specials: %q", tk.Decode(parsed))
	}

	spm := load(t, "ggml-vocab-llama-spm.gguf")
	if got := spm.Encode("Hello", true, false); len(got) == 0 || got[0] != spm.BOS() || spm.BOS() != 1 {
		t.Errorf("spm addSpecial: %v", got)
	}
}

func TestChatTemplate(t *testing.T) {
	tk := load(t, "llama3-bpe-vocab.gguf")
	msgs := []Message{{"system", "Be brief."}, {"user", " Hi! "}}
	got := tk.ApplyChatTemplate(msgs, true)
	var want string
	switch tk.ChatFormat() {
	case "bitnet":
		want = "<|begin_of_text|>System: Be brief.<|eot_id|>User: Hi!<|eot_id|>Assistant: "
	case "llama3":
		want = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
			"<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
	default:
		t.Fatalf("format %s for a Llama 3 vocabulary", tk.ChatFormat())
	}
	if got != want {
		t.Fatalf("template:\n got %q\nwant %q", got, want)
	}
	ids := tk.Encode(got, false, true)
	if ids[0] != tk.BOS() {
		t.Errorf("rendered chat does not start with BOS: %v", ids[:3])
	}
	n := 0
	for _, id := range ids {
		if id == tk.EOT() {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d <|eot_id|> tokens, want 2", n)
	}

	// The three formats, on one vocabulary.
	for _, c := range []struct{ tmpl, format, want string }{
		{"{{ 'Assistant: ' }}", "bitnet", "<|begin_of_text|>User: q<|eot_id|>Assistant: "},
		{"<|start_header_id|>", "llama3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
	} {
		tk2 := *tk
		tk2.chat = detectChat(c.tmpl, tk)
		if tk2.ChatFormat() != c.format {
			t.Errorf("template %q: format %s", c.tmpl, tk2.ChatFormat())
		}
		if got := tk2.ApplyChatTemplate([]Message{{"user", "q"}}, true); got != c.want {
			t.Errorf("%s: %q", c.format, got)
		}
	}
	spm := load(t, "ggml-vocab-llama-spm.gguf")
	if got := spm.ApplyChatTemplate([]Message{{"user", "q"}, {"assistant", "a"}}, true); got != "User: q\nAssistant: a\nAssistant: " {
		t.Errorf("plain: %q", got)
	}
}

func TestPreTokenizerLlama3(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"I'm HERE'S", []string{"I", "'m", " HERE", "'S"}},
		{"12345 x", []string{"123", "45", " x"}},
		{"a  b", []string{"a", " ", " b"}},
		{"a \n\n b", []string{"a", " \n\n", " b"}},
		{"x   ", []string{"x", "   "}},
		{"  !!\n\nz", []string{" ", " !!\n\n", "z"}},
		{"\t!x", []string{"\t", "!x"}},
		{"¡Hola", []string{"¡Hola"}},
	} {
		got := splitLlama3(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []Config{
		{Model: "gpt2"},
		{Model: "rwkv", Tokens: []string{"a"}},
		{Model: "gpt2", Pre: "qwen9", Tokens: []string{"a"}},
		{Model: "llama", Tokens: []string{"a"}},
		{Model: "gpt2", Tokens: []string{"a"}, Types: []int32{1, 1}},
		{Model: "gpt2", Tokens: []string{"a"}, BOS: 7},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v): no error", c)
		}
	}
}

// FuzzRoundTrip checks Decode(Encode(s)) == s on both vocabularies.
func FuzzRoundTrip(f *testing.F) {
	inp, err := os.ReadFile(filepath.Join("testdata", "ggml-vocab-llama-bpe.gguf.inp"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range strings.Split(string(inp), "\n__ggml_vocab_test__\n") {
		f.Add(s)
	}
	f.Add("\xff\xfe invalid \xc3")
	f.Add("<|begin_of_text|>User: hi<|eot_id|>Assistant: ")
	bpe := load(f, "llama3-bpe-vocab.gguf")
	spm := load(f, "ggml-vocab-llama-spm.gguf")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		for _, tk := range []*Tokenizer{bpe, spm} {
			if tk == spm && strings.Contains(s, spmSpace) {
				continue // SentencePiece writes spaces as U+2581: not invertible
			}
			ids := tk.Encode(s, false, false)
			if got := tk.Decode(ids); got != s {
				t.Fatalf("model %d: %q -> %v -> %q", tk.Model(), s, ids, got)
			}
		}
		// Byte-level BPE also round-trips with special tokens parsed.
		ids := bpe.Encode(s, false, true)
		if got := bpe.Decode(ids); !bytes.Equal([]byte(got), []byte(s)) {
			t.Fatalf("parse special: %q -> %v -> %q", s, ids, got)
		}
	})
}

func TestPreTokenizerGPT2(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"I'm HERE'S", []string{"I", "'m", " HERE", "'", "S"}},
		{"12345 x", []string{"12345", " x"}},
		{"a  b", []string{"a", " ", " b"}},
		{"a \n\n b", []string{"a", " \n\n", " b"}},
		{"x!! ?", []string{"x", "!!", " ?"}},
	} {
		got := splitGPT2(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkFromGGUF(b *testing.B) {
	load(b, "llama3-bpe-vocab.gguf") // warm the file cache
	fh, err := os.Open(filepath.Join("testdata", "llama3-bpe-vocab.gguf.gz"))
	if err != nil {
		b.Fatal(err)
	}
	zr, _ := gzip.NewReader(fh)
	raw, _ := io.ReadAll(zr)
	fh.Close()
	f, err := gguf.OpenBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := FromGGUF(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	tk := load(b, "llama3-bpe-vocab.gguf")
	inp, _ := os.ReadFile(filepath.Join("testdata", "ggml-vocab-llama-bpe.gguf.inp"))
	text := strings.Repeat(string(inp), 10)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tk.Encode(text, true, true)
	}
}

// TestMissingPreLlama3 checks that a Llama 3 vocabulary without
// tokenizer.ggml.pre (as in the official BitNet 2B-4T file) still uses the
// Llama 3 pre-tokenizer.
func TestMissingPreLlama3(t *testing.T) {
	tk := load(t, "llama3-bpe-vocab.gguf")
	c := Config{Model: "gpt2", Tokens: tk.tokens, Types: tk.types, Merges: nil, BOS: tk.bos, EOS: tk.eos, EOT: -1, Unknown: -1}
	for m := range tk.merges {
		c.Merges = append(c.Merges, m)
	}
	// Merge order matters for BPE: rebuild it from the ranks.
	sort.Slice(c.Merges, func(i, j int) bool { return tk.merges[c.Merges[i]] < tk.merges[c.Merges[j]] })
	tk2, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Hello world", "12345 apples", "I'm here\n\n  ok"} {
		a, b := tk.Encode(s, true, false), tk2.Encode(s, true, false)
		if !equalIDs(a, b) {
			t.Errorf("%q: %v vs %v", s, a, b)
		}
	}
}
