package cortex

import (
	"strconv"
	"strings"

	"nexusos/cortex/gguf"
)

// vocab turns token ids back into bytes, for SentencePiece ("llama") and
// byte-level BPE ("gpt2") vocabularies from GGUF metadata. It is the
// fallback when cortex/tokenizer rejects a file's tokenizer, so that a
// model given token ids can still show text.
type vocab struct {
	pieces []string
}

// Token types of tokenizer.ggml.token_type.
const (
	tokNormal  = 1
	tokUnknown = 2
	tokControl = 3
	tokUser    = 4
	tokUnused  = 5
	tokByte    = 6
)

func newVocab(f *gguf.File) *vocab {
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	types, _ := f.Int32s("tokenizer.ggml.token_type")
	model, _ := f.String("tokenizer.ggml.model")
	v := &vocab{pieces: make([]string, len(toks))}
	var byteDec map[rune]byte
	if model == "gpt2" {
		byteDec = gpt2ByteDecoder()
	}
	for i, t := range toks {
		typ := int32(tokNormal)
		if i < len(types) {
			typ = types[i]
		}
		switch {
		case typ == tokControl || typ == tokUnused:
			v.pieces[i] = ""
		case typ == tokByte || (model == "llama" && len(t) == 6 && strings.HasPrefix(t, "<0x") && t[5] == '>'):
			if b, err := strconv.ParseUint(t[3:5], 16, 8); err == nil {
				v.pieces[i] = string([]byte{byte(b)})
			}
		case byteDec != nil && typ != tokUser:
			var b []byte
			for _, r := range t {
				if c, ok := byteDec[r]; ok {
					b = append(b, c)
				} else {
					b = append(b, string(r)...)
				}
			}
			v.pieces[i] = string(b)
		default:
			v.pieces[i] = strings.ReplaceAll(t, "▁", " ")
		}
	}
	return v
}

func (v *vocab) piece(id int) string {
	if id < 0 || id >= len(v.pieces) {
		return ""
	}
	return v.pieces[id]
}

// gpt2ByteDecoder inverts GPT-2's bytes_to_unicode table: printable bytes
// map to themselves, the others to code points from 256 upwards.
func gpt2ByteDecoder() map[rune]byte {
	d := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			d[rune(b)] = byte(b)
		} else {
			d[rune(256+n)] = byte(b)
			n++
		}
	}
	return d
}
