package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"nexusos/cortex/gguf"
)

// Token types of tokenizer.ggml.token_type (llama.cpp's llama_token_type).
const (
	TypeNormal      = 1
	TypeUnknown     = 2
	TypeControl     = 3
	TypeUserDefined = 4
	TypeUnused      = 5
	TypeByte        = 6
)

// Limits on untrusted metadata.
const (
	maxVocab    = 1 << 20
	maxMerges   = 1 << 22
	maxTokenLen = 1 << 10
)

// ErrUnsupported is returned (wrapped) by FromGGUF for a tokenizer model or
// pre-tokenizer this package does not implement.
var ErrUnsupported = errors.New("tokenizer: unsupported")

// Model is the tokenizer algorithm.
type Model int

const (
	// BPE is byte-level BPE (tokenizer.ggml.model "gpt2").
	BPE Model = iota
	// SPM is SentencePiece-style (tokenizer.ggml.model "llama").
	SPM
)

// Tokenizer encodes and decodes text for one vocabulary.
type Tokenizer struct {
	model   Model
	tokens  []string
	types   []int32
	scores  []float32
	ids     map[string]int32
	merges  map[string]int32 // "left right" -> rank (BPE)
	split   splitter         // BPE pre-tokenizer
	ignMrg  bool             // emit whole pre-tokens found in the vocab (Llama 3)
	special []int32          // control/user-defined ids, longest text first
	first   [256]bool        // first bytes of special texts
	byteTok [256]int32       // SPM <0xXX> tokens, -1 if absent

	bos, eos, eot, unk int32
	addBOS, addEOS     bool
	addSpacePrefix     bool
	chat               chatFormat
}

// Config is the tokenizer part of a GGUF file's metadata, for building a
// Tokenizer without a file (tests, tools).
type Config struct {
	Model          string // "gpt2" or "llama"
	Pre            string // tokenizer.ggml.pre
	Tokens         []string
	Types          []int32
	Scores         []float32
	Merges         []string
	BOS, EOS, EOT  int32 // -1 when absent
	Unknown        int32
	AddBOS, AddEOS *bool
	AddSpacePrefix *bool
	ChatTemplate   string
}

// FromGGUF builds the tokenizer described by f's tokenizer.* metadata.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	c, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	return New(c)
}

// ConfigFromGGUF reads f's tokenizer.* metadata, for callers that adjust it
// before New.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	c := Config{BOS: -1, EOS: -1, EOT: -1, Unknown: -1}
	var ok bool
	if c.Model, ok = f.String("tokenizer.ggml.model"); !ok {
		return c, fmt.Errorf("tokenizer: metadata tokenizer.ggml.model missing")
	}
	c.Pre, _ = f.String("tokenizer.ggml.pre")
	if c.Tokens, ok = f.Strings("tokenizer.ggml.tokens"); !ok {
		return c, fmt.Errorf("tokenizer: metadata tokenizer.ggml.tokens missing")
	}
	c.Types, _ = f.Int32s("tokenizer.ggml.token_type")
	c.Scores, _ = f.Float32s("tokenizer.ggml.scores")
	c.Merges, _ = f.Strings("tokenizer.ggml.merges")
	for key, dst := range map[string]*int32{
		"tokenizer.ggml.bos_token_id":     &c.BOS,
		"tokenizer.ggml.eos_token_id":     &c.EOS,
		"tokenizer.ggml.eot_token_id":     &c.EOT,
		"tokenizer.ggml.unknown_token_id": &c.Unknown,
	} {
		if v, ok := f.Uint(key); ok && v < maxVocab {
			*dst = int32(v)
		}
	}
	for key, dst := range map[string]**bool{
		"tokenizer.ggml.add_bos_token":    &c.AddBOS,
		"tokenizer.ggml.add_eos_token":    &c.AddEOS,
		"tokenizer.ggml.add_space_prefix": &c.AddSpacePrefix,
	} {
		if v, ok := f.Bool(key); ok {
			*dst = &v
		}
	}
	c.ChatTemplate, _ = f.String("tokenizer.chat_template")
	return c, nil
}

// New builds a tokenizer from its metadata.
func New(c Config) (*Tokenizer, error) {
	n := len(c.Tokens)
	if n == 0 || n > maxVocab {
		return nil, fmt.Errorf("tokenizer: vocabulary of %d tokens (want 1..%d)", n, maxVocab)
	}
	if c.Types != nil && len(c.Types) != n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(c.Types), n)
	}
	if c.Scores != nil && len(c.Scores) != n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(c.Scores), n)
	}
	if len(c.Merges) > maxMerges {
		return nil, fmt.Errorf("tokenizer: %d merges (max %d)", len(c.Merges), maxMerges)
	}
	t := &Tokenizer{
		tokens: c.Tokens, types: c.Types, scores: c.Scores,
		ids: make(map[string]int32, n),
		bos: c.BOS, eos: c.EOS, eot: c.EOT, unk: c.Unknown,
	}
	if t.types == nil {
		t.types = make([]int32, n)
		for i := range t.types {
			t.types[i] = TypeNormal
		}
	}
	for i, s := range c.Tokens {
		if len(s) > maxTokenLen {
			return nil, fmt.Errorf("tokenizer: token %d is %d bytes long (max %d)", i, len(s), maxTokenLen)
		}
		if _, dup := t.ids[s]; !dup {
			t.ids[s] = int32(i)
		}
		if ty := t.types[i]; ty == TypeControl || ty == TypeUserDefined {
			if s != "" {
				t.special = append(t.special, int32(i))
			}
		}
	}
	sort.SliceStable(t.special, func(a, b int) bool { return len(c.Tokens[t.special[a]]) > len(c.Tokens[t.special[b]]) })
	for _, id := range t.special {
		t.first[c.Tokens[id][0]] = true
	}
	for _, id := range []int32{c.BOS, c.EOS, c.EOT, c.Unknown} {
		if id >= int32(n) {
			return nil, fmt.Errorf("tokenizer: special token id %d outside the vocabulary of %d", id, n)
		}
	}
	switch c.Model {
	case "gpt2":
		t.model = BPE
		t.merges = make(map[string]int32, len(c.Merges))
		for i, m := range c.Merges {
			if _, dup := t.merges[m]; !dup {
				t.merges[m] = int32(i)
			}
		}
		pre := c.Pre
		if _, llama3 := t.ids["<|begin_of_text|>"]; llama3 && (pre == "" || pre == "default") {
			// bitnet.cpp's converter leaves tokenizer.ggml.pre out of the
			// official BitNet b1.58 2B-4T file; its vocabulary is Llama 3's,
			// which was trained with the Llama 3 pattern.
			pre = "llama-bpe"
		}
		switch pre {
		case "llama-bpe", "llama3", "llama-v3":
			t.split, t.ignMrg = splitLlama3, true
			t.addBOS = true
		case "qwen2":
			t.split = splitQwen2
		case "", "default", "gpt2":
			t.split = splitGPT2
		default:
			return nil, fmt.Errorf("%w pre-tokenizer %q (supported: llama-bpe, qwen2, gpt2, default)", ErrUnsupported, c.Pre)
		}
	case "llama":
		t.model = SPM
		if t.scores == nil {
			return nil, fmt.Errorf("tokenizer: SentencePiece vocabulary without tokenizer.ggml.scores")
		}
		t.addBOS, t.addSpacePrefix = true, true
		for b := range 256 {
			t.byteTok[b] = -1
			if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
				t.byteTok[b] = id
			}
		}
	default:
		return nil, fmt.Errorf("%w tokenizer model %q (supported: gpt2, llama)", ErrUnsupported, c.Model)
	}
	if c.AddBOS != nil {
		t.addBOS = *c.AddBOS
	}
	if c.AddEOS != nil {
		t.addEOS = *c.AddEOS
	}
	if c.AddSpacePrefix != nil {
		t.addSpacePrefix = *c.AddSpacePrefix
	}
	if t.eot < 0 {
		if id, ok := t.ids["<|eot_id|>"]; ok {
			t.eot = id
		}
	}
	t.chat = detectChat(c.ChatTemplate, t)
	return t, nil
}

// Model returns the tokenizer algorithm.
func (t *Tokenizer) Model() Model { return t.model }

// NumTokens returns the vocabulary size.
func (t *Tokenizer) NumTokens() int { return len(t.tokens) }

// BOS returns the beginning-of-sequence id, or -1.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence id, or -1.
func (t *Tokenizer) EOS() int32 { return t.eos }

// EOT returns the end-of-turn id (<|eot_id|> for Llama 3 vocabularies), or -1.
func (t *Tokenizer) EOT() int32 { return t.eot }

// IsEOG reports whether id ends generation (EOS or EOT).
func (t *Tokenizer) IsEOG(id int32) bool { return id >= 0 && (id == t.eos || id == t.eot) }

// TokenText returns the vocabulary text of id ("" if out of range).
func (t *Tokenizer) TokenText(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// TokenType returns the tokenizer.ggml.token_type of id (0 if out of range).
func (t *Tokenizer) TokenType(id int32) int32 {
	if id < 0 || int(id) >= len(t.types) {
		return 0
	}
	return t.types[id]
}

// Lookup returns the id of a token text.
func (t *Tokenizer) Lookup(text string) (int32, bool) {
	id, ok := t.ids[text]
	return id, ok
}

// Encode returns the token ids of text. addSpecial adds BOS (and EOS) as the
// model's metadata asks; parseSpecial recognises control tokens such as
// <|begin_of_text|> written in text (user-defined tokens are always
// recognised).
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	var out []int32
	if addSpecial && t.addBOS && t.bos >= 0 {
		out = append(out, t.bos)
	}
	prevSpecial := true
	for _, fr := range t.partition(text, parseSpecial) {
		if fr.id >= 0 {
			out = append(out, fr.id)
			prevSpecial = true
			continue
		}
		switch t.model {
		case BPE:
			for _, piece := range t.split(fr.text) {
				out = t.bpe(piece, out)
			}
		case SPM:
			s := fr.text
			if t.addSpacePrefix && prevSpecial {
				s = " " + s
			}
			out = t.spm(strings.ReplaceAll(s, " ", spmSpace), out)
		}
		prevSpecial = false
	}
	if addSpecial && t.addEOS && t.eos >= 0 {
		out = append(out, t.eos)
	}
	return out
}

type fragment struct {
	text string
	id   int32 // ≥ 0 for a special token
}

// partition splits text around special tokens, longest match first.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	var out []fragment
	start := 0
	for i := 0; i < len(text); {
		id := t.specialAt(text, i, parseSpecial)
		if id < 0 {
			i++
			continue
		}
		if i > start {
			out = append(out, fragment{text: text[start:i], id: -1})
		}
		out = append(out, fragment{id: id})
		i += len(t.tokens[id])
		start = i
	}
	if start < len(text) {
		out = append(out, fragment{text: text[start:], id: -1})
	}
	return out
}

func (t *Tokenizer) specialAt(text string, i int, parseSpecial bool) int32 {
	if !t.first[text[i]] {
		return -1
	}
	for _, id := range t.special {
		if !parseSpecial && t.types[id] != TypeUserDefined {
			continue
		}
		if strings.HasPrefix(text[i:], t.tokens[id]) {
			return id
		}
	}
	return -1
}

// Decode returns the text of ids: the exact bytes Encode consumed for normal
// tokens, the vocabulary text for control tokens. For SentencePiece
// vocabularies U+2581 becomes a space and the prefix space Encode added is
// removed.
func (t *Tokenizer) Decode(ids []int32) string {
	if t.model == BPE {
		var b []byte
		for _, id := range ids {
			b = append(b, t.piece(id)...)
		}
		return string(b)
	}
	var b, seg []byte
	first := true
	flush := func() {
		seg = bytes.ReplaceAll(seg, []byte(spmSpace), []byte(" "))
		if first && t.addSpacePrefix && len(seg) > 0 && seg[0] == ' ' {
			seg = seg[1:]
		}
		if len(seg) > 0 {
			first = false
		}
		b = append(b, seg...)
		seg = seg[:0]
	}
	for _, id := range ids {
		if t.TokenType(id) == TypeControl {
			flush()
			b = append(b, t.tokens[id]...)
			continue
		}
		seg = append(seg, t.rawPiece(id)...)
	}
	flush()
	return string(b)
}

// Piece returns the bytes token id stands for (possibly part of a UTF-8
// character), for streaming output. Unknown ids give nil.
func (t *Tokenizer) Piece(id int32) []byte { return t.piece(id) }

func (t *Tokenizer) piece(id int32) []byte {
	p := t.rawPiece(id)
	if t.model == SPM {
		return bytes.ReplaceAll(p, []byte(spmSpace), []byte(" "))
	}
	return p
}

// rawPiece is piece without the SentencePiece space unescaping.
func (t *Tokenizer) rawPiece(id int32) []byte {
	if id < 0 || int(id) >= len(t.tokens) {
		return nil
	}
	s := t.tokens[id]
	switch t.types[id] {
	case TypeControl, TypeUserDefined, TypeUnknown:
		return []byte(s)
	case TypeByte:
		if len(s) == 6 && strings.HasPrefix(s, "<0x") && s[5] == '>' {
			var v byte
			if _, err := fmt.Sscanf(s[3:5], "%02X", &v); err == nil {
				return []byte{v}
			}
		}
	}
	if t.model == BPE {
		return unmapBytes(s)
	}
	return []byte(s)
}
