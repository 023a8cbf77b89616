package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"nexusos/cortex"
	"nexusos/cortex/bitnet"
	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/internal/benchstat"
)

// The "cortex" group is built in cortex.go; embed and embed-bench join it
// here (as serve does in cortex_serve.go).
func init() {
	for i, f := range commandFactories {
		commandFactories[i] = func(g *globalFlags) *cobra.Command {
			c := f(g)
			if c.Name() == "cortex" {
				c.AddCommand(newCortexEmbedCmd(g), newCortexEmbedBenchCmd(g))
			}
			return c
		}
	}
}

// printEmbedInfo ends `nexus cortex info` for an embedding model.
func printEmbedInfo(out io.Writer, f *gguf.File) error {
	m, err := bitnet.LoadEmbed(f)
	if err != nil {
		fmt.Fprintf(out, "\nnot runnable: %v\n", err)
		return nil
	}
	c := m.Config
	fmt.Fprintf(out, "\nembedding model: arch %s, %d layers, hidden %d (the embedding's length), %d heads of %d (%d KV), FFN %d, vocab %d, context %d, rope θ %g, pooling %s\n",
		c.Arch, c.NLayer, c.NEmbd, c.NHead, c.HeadDim, c.NHeadKV, c.NFF, c.NVocab, c.NCtxTrain, c.RopeBase, c.Pooling)
	fmt.Fprintf(out, "memory: %s linears %s; run it with nexus cortex embed\n", m.WeightType(), benchstat.Bytes(m.Bytes()))
	return nil
}

func loadEmbedder(g *globalFlags, model string, threads int) (*cortex.Embedder, error) {
	path, err := cortex.Resolve(g.home, model)
	if err != nil {
		return nil, err
	}
	e, err := cortex.LoadEmbedder(path, cortex.EmbedOptions{Threads: threads})
	if err != nil {
		return nil, fmt.Errorf("error loading embedding model: %w", err)
	}
	return e, nil
}

func newCortexEmbedCmd(g *globalFlags) *cobra.Command {
	var (
		model, tokens string
		threads       int
		asJSON        bool
	)
	cmd := &cobra.Command{
		Use:   "embed --model MODEL (TEXT... | --tokens ID,ID,...)",
		Short: "Print the embedding of texts with a BitNet embedding model",
		Long: `Embed texts with a BitNet embedding model (general.architecture qwen3 or
gemma3, as microsoft/BitNet's convert-bitnet-embedding-to-gguf.py writes
bitnet-embedding-0.6b and bitnet-embedding-270m): the text is tokenized with
the file's vocabulary, the end-of-sequence token appended when the file asks
for it (<|endoftext|> for Qwen3), and the last token's hidden state,
L2-normalised, is printed: one JSON array per text, or with --json one
object {"model", "dim", "data": [{"index", "tokens", "embedding"}]}.

MODEL is a file or the name of a model added under --home (nexus cortex
add); nexus cortex serve then answers POST /v1/embeddings with it.

Queries should start with the task instruction the model was trained with;
documents need none.`,
		Example: `  nexus cortex embed --model bitnet-embedding-0.6b-i2_s.gguf "query: What is BitNet?"
  nexus cortex embed --model emb.gguf --json "first text" "second text"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if (len(args) == 0) == (tokens == "") {
				return fmt.Errorf("give TEXT arguments or --tokens (one of them)")
			}
			e, err := loadEmbedder(g, model, threads)
			if err != nil {
				return err
			}
			defer e.Close()
			var seqs [][]int
			if tokens != "" {
				ids, err := parseTokenList(tokens)
				if err != nil {
					return err
				}
				seqs = [][]int{ids}
			} else {
				for _, t := range args {
					ids, err := e.Tokenize(t)
					if err != nil {
						return fmt.Errorf("error tokenizing: %w", err)
					}
					seqs = append(seqs, ids)
				}
			}
			vecs, err := e.EmbedTokens(cmd.Context(), seqs)
			if err != nil {
				return fmt.Errorf("error embedding: %w", err)
			}
			if asJSON {
				type item struct {
					Index     int       `json:"index"`
					Tokens    int       `json:"tokens"`
					Embedding []float32 `json:"embedding"`
				}
				res := struct {
					Model string `json:"model"`
					Dim   int    `json:"dim"`
					Data  []item `json:"data"`
				}{Model: filepath.Base(e.Path), Dim: e.Dim()}
				for i, v := range vecs {
					res.Data = append(res.Data, item{Index: i, Tokens: len(seqs[i]), Embedding: v})
				}
				enc := json.NewEncoder(out)
				return enc.Encode(res)
			}
			for _, v := range vecs {
				b, err := json.Marshal(v)
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "embedding model file or added model name (required)")
	f.StringVar(&tokens, "tokens", "", "embed these token ids as they are (no EOS added) instead of TEXT")
	f.IntVar(&threads, "threads", 0, "worker threads (0: GOMAXPROCS)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object with every embedding")
	cmd.MarkFlagRequired("model")
	return cmd
}

func newCortexEmbedBenchCmd(g *globalFlags) *cobra.Command {
	var (
		model, synth, synthOut, threads, lens, wtype string
		reps, texts                                  int
	)
	cmd := &cobra.Command{
		Use:   "embed-bench (--model MODEL | --synth 0.6b|270m) [-p 128] [--threads 1,2]",
		Short: "Measure embedding throughput (prompt tokens per second)",
		Long: `Measure how fast an embedding model processes one text of N random tokens
(-p, comma-separated lengths), or --texts such texts per call: one warm-up,
then --reps timed runs; the table shows the median tokens/s and tokens per
CPU-second.

--synth 0.6b writes a model of bitnet-embedding-0.6b's exact shape (Qwen3:
hidden 1024, 28 layers, 16 heads of 128, 8 KV heads, FFN 3072, vocabulary
151936), --synth 270m one of bitnet-embedding-270m's (Gemma3: hidden 640,
18 layers, 4 heads of 256, 1 KV head, FFN 2048, vocabulary 262144), with
random I2_S (or --type f16) weights, to --synth-out (default a temporary
file, removed afterwards), and measures it.

The machine may be shared: quote 'uptime' with the figures.`,
		Example: "  nexus cortex embed-bench --synth 0.6b -p 128,512 --threads 1,2",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if (model == "") == (synth == "") {
				return fmt.Errorf("give --model or --synth (one of them)")
			}
			if synth != "" {
				var c bitnet.SynthEmbedConfig
				switch synth {
				case "0.6b":
					c = bitnet.SynthEmbed06B()
				case "270m":
					c = bitnet.SynthEmbed270M()
				default:
					return fmt.Errorf("--synth %q: want 0.6b or 270m", synth)
				}
				switch strings.ToLower(wtype) {
				case "i2_s":
				case "f16":
					c.WeightType = gguf.TypeF16
				default:
					return fmt.Errorf("--type %q: want i2_s or f16", wtype)
				}
				path := synthOut
				if path == "" {
					tmp, err := os.CreateTemp("", "embed-synth-*.gguf")
					if err != nil {
						return err
					}
					tmp.Close()
					path = tmp.Name()
					defer os.Remove(path)
				}
				t0 := time.Now()
				fh, err := os.Create(path)
				if err != nil {
					return err
				}
				if err := bitnet.WriteSynthEmbed(fh, c); err != nil {
					fh.Close()
					return fmt.Errorf("error writing synthetic model: %w", err)
				}
				if err := fh.Close(); err != nil {
					return err
				}
				fmt.Fprintf(out, "synthetic model %s written in %v\n", path, time.Since(t0).Round(time.Millisecond))
				model = path
			}
			var ths, ns []int
			for _, spec := range []struct {
				s   string
				dst *[]int
			}{{threads, &ths}, {lens, &ns}} {
				for _, s := range strings.Split(spec.s, ",") {
					v, err := strconv.Atoi(strings.TrimSpace(s))
					if err != nil || v < 1 {
						return fmt.Errorf("bad list %q", spec.s)
					}
					*spec.dst = append(*spec.dst, v)
				}
			}
			e, err := loadEmbedder(g, model, 0)
			if err != nil {
				return err
			}
			defer e.Close()
			c := e.Net.Config
			fmt.Fprintf(out, "model %s: %s, %d layers, hidden %d, %d heads of %d (%d KV), FFN %d, vocab %d, %s linears (%s); kernels %s\n",
				e.Path, c.Arch, c.NLayer, c.NEmbd, c.NHead, c.HeadDim, c.NHeadKV, c.NFF, c.NVocab,
				e.Net.WeightType(), benchstat.Bytes(e.Net.Bytes()), kernels.Impl())
			fmt.Fprintf(out, "load average %s on %d CPUs\n", benchstat.LoadAvg(), runtime.NumCPU())
			fmt.Fprintf(out, "| %-9s | %7s | %12s | %14s | %30s |\n", "test", "threads", "t/s (median)", "t/CPU-s (med)", "runs (t/s)")
			for _, n := range ns {
				for _, t := range ths {
					r, err := cortex.BenchEmbed(cmd.Context(), e, cortex.EmbedBenchOptions{Tokens: n, Texts: texts, Threads: t, Reps: reps})
					if err != nil {
						return fmt.Errorf("error benchmarking: %w", err)
					}
					var runs []string
					for _, x := range r.Rates {
						runs = append(runs, fmt.Sprintf("%.1f", x))
					}
					fmt.Fprintf(out, "| %-9s | %7d | %12.1f | %14.1f | %30s |\n", r.Test, t, r.Median(), r.CPUMedian(), strings.Join(runs, " "))
				}
			}
			fmt.Fprintf(out, "load average %s\n", benchstat.LoadAvg())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "embedding model file or added model name")
	f.StringVar(&synth, "synth", "", "benchmark a random-weight model of this shape instead (0.6b or 270m)")
	f.StringVar(&synthOut, "synth-out", "", "where --synth writes the model (default: a temporary file, removed)")
	f.StringVar(&wtype, "type", "i2_s", "--synth linear type: i2_s or f16")
	f.StringVarP(&lens, "p", "p", "128", "comma-separated sequence lengths")
	f.StringVar(&threads, "threads", strconv.Itoa(runtime.GOMAXPROCS(0)), "comma-separated thread counts")
	f.IntVar(&reps, "reps", 3, "measured repetitions per test")
	f.IntVar(&texts, "texts", 1, "texts of -p tokens embedded per call (short texts run together in one pass)")
	return cmd
}
