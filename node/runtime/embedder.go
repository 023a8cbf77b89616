package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"nexusos/cortex"
	"nexusos/memex"
	"nexusos/memex/embed"
	"nexusos/node/home"
)

// BuiltinEmbedder is the Want.MemexEmbedder value that keeps MemexFS on
// its built-in GloVe-SIF embedder even when the home holds an embedding
// model.
const BuiltinEmbedder = "glove-sif"

// cortexEmbedder makes MemexFS's dense vectors with a Cortex embedding
// model (memex/embed.Embedder over *cortex.Embedder). Its name is the
// model's (cortex.Embedder.Name: file, architecture, dimension, size), so
// each file record names the model that made its vectors. It is safe for
// concurrent use.
type cortexEmbedder struct {
	e   *cortex.Embedder
	log *slog.Logger
}

var _ embed.Embedder = cortexEmbedder{}

func (c cortexEmbedder) Name() string { return c.e.Name() }
func (c cortexEmbedder) Dim() int     { return c.e.Dim() }

// Embed embeds one text. A text over the model's MaxTokens is cut to its
// first tokens (the end-of-sequence token, pooled on, kept last); a text
// with no tokens, or one the model fails on (logged), gets the zero
// vector, which MemexFS treats as "no meaning" as it does for GloVe-SIF
// texts without known words.
func (c cortexEmbedder) Embed(text string) []float32 {
	zero := make([]float32, c.e.Dim())
	ids, err := c.e.Tokenize(text)
	if err != nil {
		c.log.Warn("memex: cortex embedder cannot tokenize", "model", c.e.Name(), "err", err)
		return zero
	}
	if len(ids) == 0 {
		return zero
	}
	if max := c.e.MaxTokens(); len(ids) > max {
		last := ids[len(ids)-1]
		ids = append(ids[:max-1:max-1], last)
	}
	v, err := c.e.EmbedTokens(context.Background(), [][]int{ids})
	if err != nil || len(v) != 1 {
		c.log.Warn("memex: cortex embedder failed", "model", c.e.Name(), "err", err)
		return zero
	}
	return v[0]
}

// memexEmbedder loads the embedder MemexFS opens with:
//
//   - sel == BuiltinEmbedder: the built-in GloVe-SIF (nil);
//   - sel names a model (added under the home, or a GGUF file): that
//     model, which must be an embedding model;
//   - sel == "": the first embedding model added under the home (by
//     name), or GloVe-SIF when there is none or it does not load
//     (logged).
//
// The returned closer unmaps the model (nil for GloVe-SIF).
func memexEmbedder(h home.Dir, sel string, log *slog.Logger) (embed.Embedder, func() error, error) {
	if sel == BuiltinEmbedder {
		return nil, nil, nil
	}
	path := ""
	if sel != "" {
		p, err := cortex.Resolve(h.Root(), sel)
		if err != nil {
			return nil, nil, err
		}
		path = p
	} else {
		names, err := cortex.List(h.Root())
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			p, err := cortex.Resolve(h.Root(), n)
			if err != nil {
				continue
			}
			if ok, err := cortex.IsEmbedding(p); err == nil && ok {
				path = p
				break
			}
		}
		if path == "" {
			return nil, nil, nil
		}
	}
	e, err := cortex.LoadEmbedder(path, cortex.EmbedOptions{})
	if err == nil && e.Tok == nil {
		e.Close()
		err = fmt.Errorf("cortex: %s: %w", path, e.TokErr)
	}
	if err != nil {
		if sel == "" {
			// A model found, not named: MemexFS stays usable.
			log.Warn("MemexFS: the embedding model added under the home does not load; embedding with GloVe-SIF", "file", path, "err", err)
			return nil, nil, nil
		}
		return nil, nil, err
	}
	return cortexEmbedder{e: e, log: log}, e.Close, nil
}

// memexCollection is the collection MemexFS keeps the vectors of emb in:
// memex.DefaultCollection for GloVe-SIF, "memex-" and the embedder's name
// folded to letters, digits and dashes for a model. Each embedder has its
// own collection (their dimensions differ), so going back to one keeps
// the vectors it made.
func memexCollection(emb embed.Embedder) string {
	if emb == nil {
		return memex.DefaultCollection
	}
	var b strings.Builder
	b.WriteString(memex.DefaultCollection + "-")
	dash := false
	for _, r := range strings.ToLower(strings.TrimPrefix(emb.Name(), "cortex-embed:")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
