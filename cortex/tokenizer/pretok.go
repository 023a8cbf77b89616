package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// A splitter cuts text into pre-tokens, returning their end offsets.
type splitter func(text string) []string

// runeAt decodes the rune at byte offset i (RuneError with width 1 for an
// invalid byte); at the end of text it returns (-1, 0).
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isLetter(r rune) bool { return r >= 0 && unicode.IsLetter(r) }
func isNumber(r rune) bool { return r >= 0 && unicode.IsNumber(r) }
func isSpace(r rune) bool  { return r >= 0 && unicode.IsSpace(r) }
func isCRLF(r rune) bool   { return r == '\r' || r == '\n' }

// contraction returns the length of 's 't 're 've 'm 'll 'd (any case) at i,
// or 0.
func contraction(s string, i int) int {
	if i >= len(s) || s[i] != '\'' || i+1 >= len(s) {
		return 0
	}
	c1 := unicode.ToLower(rune(s[i+1]))
	switch c1 {
	case 's', 't', 'm', 'd':
		return 2
	}
	if i+2 < len(s) {
		c2 := unicode.ToLower(rune(s[i+2]))
		if (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l') {
			return 3
		}
	}
	return 0
}

// whitespaceRun measures the whitespace starting at i: its end offset, the
// end of its last \r or \n (0 if none) and the offset of its last rune.
func whitespaceRun(s string, i int) (end, lastNL, lastStart int) {
	end, lastStart = i, i
	for {
		r, w := runeAt(s, end)
		if !isSpace(r) {
			return end, lastNL, lastStart
		}
		lastStart = end
		end += w
		if isCRLF(r) {
			lastNL = end
		}
	}
}

// splitLlama3 implements the Llama 3 pre-tokenizer pattern
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// trying the alternatives in order at each position, as a regex engine does.
func splitLlama3(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		start := i
		i = llama3Next(s, i)
		out = append(out, s[start:i])
	}
	return out
}

func llama3Next(s string, i int) int { return llama3Digits(s, i, 3) }

// splitQwen2 implements the Qwen2 pre-tokenizer pattern (Qwen2, Qwen2.5,
// Qwen3; llama.cpp's "qwen2"), the Llama 3 pattern with single digits:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|
//	 ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitQwen2(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		start := i
		i = llama3Digits(s, i, 1)
		out = append(out, s[start:i])
	}
	return out
}

// llama3Digits is one match of the Llama 3 pattern with \p{N}{1,digits}.
func llama3Digits(s string, i, digits int) int {
	if n := contraction(s, i); n > 0 {
		return i + n
	}
	r, w := runeAt(s, i)
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if !isCRLF(r) && !isNumber(r) {
		j := i
		if !isLetter(r) {
			j += w
		}
		if r2, _ := runeAt(s, j); isLetter(r2) {
			for {
				r2, w2 := runeAt(s, j)
				if !isLetter(r2) {
					return j
				}
				j += w2
			}
		}
	}
	// \p{N}{1,digits}
	if isNumber(r) {
		j := i
		for n := 0; n < digits; n++ {
			r2, w2 := runeAt(s, j)
			if !isNumber(r2) {
				break
			}
			j += w2
		}
		return j
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
	j := i
	if r == ' ' {
		j++
	}
	if r2, _ := runeAt(s, j); isOther(r2) {
		for {
			r2, w2 := runeAt(s, j)
			if !isOther(r2) {
				break
			}
			j += w2
		}
		for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
			j++
		}
		return j
	}
	return whitespaceTail(s, i, w)
}

// isOther reports a rune that is not whitespace, letter or number.
func isOther(r rune) bool { return r >= 0 && !isSpace(r) && !isLetter(r) && !isNumber(r) }

// whitespaceTail handles \s*[\r\n]+ | \s+(?!\S) | \s+ and, failing all, one
// rune of width w.
func whitespaceTail(s string, i, w int) int {
	end, lastNL, lastStart := whitespaceRun(s, i)
	if lastNL > 0 {
		return lastNL
	}
	if end > i {
		if end < len(s) && lastStart > i {
			return lastStart // leave the last space to join the next word
		}
		return end
	}
	return i + w
}

// splitGPT2 implements the GPT-2 pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func splitGPT2(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		start := i
		i = gpt2Next(s, i)
		out = append(out, s[start:i])
	}
	return out
}

func gpt2Next(s string, i int) int {
	if i+1 < len(s) && s[i] == '\'' {
		// GPT-2's contractions are case-sensitive.
		switch s[i+1] {
		case 's', 't', 'm', 'd':
			return i + 2
		}
		if i+2 < len(s) {
			switch s[i+1 : i+3] {
			case "re", "ve", "ll":
				return i + 3
			}
		}
	}
	r, w := runeAt(s, i)
	j := i
	if r == ' ' {
		j++
	}
	r2, _ := runeAt(s, j)
	for _, class := range []func(rune) bool{isLetter, isNumber, isOther} {
		if class(r2) {
			for {
				r3, w3 := runeAt(s, j)
				if !class(r3) {
					return j
				}
				j += w3
			}
		}
	}
	end, _, lastStart := whitespaceRun(s, i)
	if end > i {
		if end < len(s) && lastStart > i {
			return lastStart
		}
		return end
	}
	return i + w
}
