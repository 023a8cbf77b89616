package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"nexusos/cortex"
	"nexusos/cortex/bitnet"
	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/cortex/quant"
	"nexusos/cortex/tokenizer"
	"nexusos/internal/benchstat"
	"nexusos/node/home"
	noderuntime "nexusos/node/runtime"
)

func init() { registerCommand(newCortexCmd) }

func newCortexCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cortex",
		Short: "Run BitNet b1.58 language models on the CPU (GGUF files)",
		Long: `Cortex runs ternary BitNet b1.58 models from GGUF files on the CPU.

Supported files: general.architecture "bitnet" (llama.cpp and the 2024
bitnet.cpp; TQ1_0, TQ2_0 or I2_S linears, SiLU FFN) and "bitnet-b1.58" /
"bitnet-25" (bitnet.cpp 2025; I2_S or TQ linears, squared-ReLU FFN), with
F16/F32/BF16/Q8_0/Q6_K embedding tables.

Where to get a model: the official BitNet b1.58 2B-4T GGUF is published by
Microsoft as "microsoft/bitnet-b1.58-2B-4T-gguf" (file ggml-model-i2_s.gguf)
on the Hugging Face hub; download it yourself, then add it:

  nexus cortex add ~/Downloads/ggml-model-i2_s.gguf --name bitnet-2b
  nexus cortex run --model bitnet-2b --prompt "The capital of France is"

Without a download, make a synthetic model of the same shape:

  nexus cortex synth --preset 2b-4t --out /tmp/bitnet-2b-synth.gguf
  nexus cortex bench --model /tmp/bitnet-2b-synth.gguf --threads 1,2

--model takes a file path or the name of a model added under --home.`,
	}
	cmd.AddCommand(newCortexInfoCmd(g), newCortexRunCmd(g), newCortexLogitsCmd(g),
		newCortexBenchCmd(g), newCortexSynthCmd(), newCortexAddCmd(g), newCortexListCmd(g), newCortexChatCmd(g))
	return cmd
}

// cortexQ8Output and cortexHugePages are --q8-output and --huge-pages,
// shared by the commands that run a model.
var cortexQ8Output, cortexHugePages bool

func addQ8OutputFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&cortexQ8Output, "q8-output", false,
		"repack the output table to int8 at load: faster generation, logits differ slightly")
}

// cortexI2SLayout is --i2s-layout.
var cortexI2SLayout string

// addLoadFlags adds --huge-pages and --i2s-layout to the commands that
// generate.
func addLoadFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&cortexHugePages, "huge-pages", false,
		"copy the weights into 2 MiB pages at load: generation nearer the memory bound (see cortex bench --huge-copy), but the copy (about the model's size) cannot be reclaimed like the mapped file's pages")
	cmd.Flags().StringVar(&cortexI2SLayout, "i2s-layout", "x86",
		"byte order of the file's I2_S weights, which the file does not record: x86 (bitnet.cpp's converters and x86 builds, the published models), arm (a model quantised by an ARM build of bitnet.cpp) or rows4 (an x86 build without ACT_PARALLEL); arm and rows4 are repacked at load")
}

// cortexLoadOptions gathers the load flags for activation act.
func cortexLoadOptions(act string) (cortex.LoadOptions, error) {
	a, err := bitnet.ParseActivation(act)
	if err != nil {
		return cortex.LoadOptions{}, err
	}
	l, err := quant.ParseI2SLayout(cortexI2SLayout)
	if err != nil {
		return cortex.LoadOptions{}, fmt.Errorf("--i2s-layout: %w", err)
	}
	return cortex.LoadOptions{Act: a, OutputQ8: cortexQ8Output, HugePages: cortexHugePages, I2SLayout: l}, nil
}

func loadCortexModel(g *globalFlags, model, act string) (*cortex.Model, error) {
	opts, err := cortexLoadOptions(act)
	if err != nil {
		return nil, err
	}
	m, err := noderuntime.LoadModel(home.At(g.home), model, opts)
	if err != nil {
		return nil, fmt.Errorf("error loading model: %w", err)
	}
	return m, nil
}

func parseTokenList(s string) ([]int, error) {
	var ids []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("token id %q: %w", f, err)
		}
		ids = append(ids, v)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no token ids in %q", s)
	}
	return ids, nil
}

func newCortexInfoCmd(g *globalFlags) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "info MODEL",
		Short: "Show a GGUF model's metadata, shapes, tensor types and memory needs",
		Long: `Show a GGUF file's metadata, hyperparameters, tensor types and memory needs.

MODEL is a path or the name of an added model. Long arrays (the vocabulary)
are summarized; --tensors lists every tensor.`,
		Example: "  nexus cortex info /tmp/bitnet-2b-synth.gguf",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			path, err := cortex.Resolve(g.home, args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			f, err := gguf.Open(path)
			if err != nil {
				return fmt.Errorf("error reading model: %w", err)
			}
			defer f.Close()
			open := time.Since(start)
			fmt.Fprintf(out, "file        %s\nsize        %s (%d bytes)\nformat      GGUF v%d, alignment %d, %d tensors, %d metadata keys, opened in %s\n",
				path, benchstat.Bytes(f.Size()), f.Size(), f.Version, f.Alignment, len(f.Tensors), len(f.Keys()), open.Round(time.Microsecond))
			fmt.Fprintln(out, "\nmetadata:")
			for _, k := range f.Keys() {
				v, _ := f.Value(k)
				if v.Type == gguf.ValueArray {
					n := v.Len()
					if n > 8 {
						fmt.Fprintf(out, "  %-44s [%d × %s]\n", k, n, v.Elem)
						continue
					}
				}
				s := fmt.Sprint(v.Any())
				if len(s) > 100 {
					s = s[:100] + "…"
				}
				fmt.Fprintf(out, "  %-44s %s\n", k, s)
			}
			types := map[gguf.TensorType][2]uint64{}
			for _, t := range f.Tensors {
				e := types[t.Type]
				types[t.Type] = [2]uint64{e[0] + 1, e[1] + t.Size}
			}
			fmt.Fprintln(out, "\ntensor types:")
			var keys []gguf.TensorType
			for k := range types {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
			for _, k := range keys {
				fmt.Fprintf(out, "  %-8s %5d tensors %12s\n", k, types[k][0], benchstat.Bytes(int64(types[k][1])))
			}
			if all {
				fmt.Fprintln(out, "\ntensors:")
				for _, t := range f.Tensors {
					fmt.Fprintf(out, "  %-36s %-6s %v\n", t.Name, t.Type, t.Dims)
				}
			}
			if arch, _ := f.String("general.architecture"); bitnet.IsEmbedArch(arch) {
				return printEmbedInfo(out, f)
			}
			m, err := bitnet.Load(f, bitnet.Options{})
			if err != nil {
				fmt.Fprintf(out, "\nnot runnable: %v\n", err)
				return nil
			}
			c := m.Config
			fmt.Fprintf(out, "\nmodel: arch %s, %d layers, hidden %d, %d heads (%d KV, head dim %d), FFN %d (%s), vocab %d, context %d, rope θ %g\n",
				c.Arch, c.NLayer, c.NEmbd, c.NHead, c.NHeadKV, c.HeadDim, c.NFF, c.Act, c.NVocab, c.NCtxTrain, c.RopeBase)
			lin, outB := m.Bytes()
			ctx := min(c.NCtxTrain, 4096)
			kv := int64(2 * 2 * c.NLayer * ctx * c.NHeadKV * c.HeadDim)
			fmt.Fprintf(out, "memory: ternary weights %s, output table %s (read per token: %s); F16 KV cache at %d tokens: %s\n",
				benchstat.Bytes(lin), benchstat.Bytes(outB), benchstat.Bytes(lin+outB), ctx, benchstat.Bytes(kv))
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "tensors", false, "list every tensor with its type and shape")
	return cmd
}

func newCortexRunCmd(g *globalFlags) *cobra.Command {
	var (
		model, prompt, tokens, act string
		n, threads, topK, ctxLen   int
		temp, topP, penalty        float32
		seed                       uint64
		asJSON, ignoreEOS          bool
	)
	cmd := &cobra.Command{
		Use:   "run --model MODEL (--prompt TEXT | --tokens ID,ID,...)",
		Short: "Generate a continuation, streaming tokens as they are produced",
		Long: `Generate a continuation of a prompt, streaming the text to stdout.

The prompt is text (--prompt, tokenized with the model's own vocabulary;
BOS is added when the model asks for it) or token ids (--tokens, used as
given). Decoding is greedy by default; --temp > 0 samples with top-k,
top-p and a repetition penalty, seeded by --seed so runs repeat exactly.

With --json, one JSON object is printed at the end instead of streaming:
  {"prompt_tokens": [...], "tokens": [...], "text": "...", "stop": "eos|length|context",
   "prompt_tokens_per_s": ..., "gen_tokens_per_s": ...}
so a continuation can be compared id by id with another engine.`,
		Example: `  nexus cortex run --model bitnet-2b --prompt "Once upon a time" -n 64
  nexus cortex run --model /tmp/tiny.gguf --tokens 1,302,415 -n 8 --json
  nexus cortex run --model bitnet-2b --prompt "Hi" --temp 0.8 --top-p 0.95 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if (prompt == "") == (tokens == "") {
				return fmt.Errorf("give exactly one of --prompt or --tokens")
			}
			m, err := loadCortexModel(g, model, act)
			if err != nil {
				return err
			}
			defer m.Close()
			var ids []int
			if tokens != "" {
				if ids, err = parseTokenList(tokens); err != nil {
					return err
				}
			} else if ids, err = m.Tokenize(prompt); err != nil {
				return fmt.Errorf("error tokenizing prompt: %w (use --tokens)", err)
			}
			opts := cortex.GenerateOptions{
				MaxTokens: n, Threads: threads, Context: ctxLen, IgnoreEOS: ignoreEOS,
				Sampler: bitnet.SamplerConfig{Temperature: temp, TopK: topK, TopP: topP, RepeatPenalty: penalty, Seed: seed},
			}
			if !asJSON {
				bw := bufio.NewWriter(out)
				opts.OnToken = func(t cortex.Token) error {
					bw.WriteString(t.Text)
					return bw.Flush()
				}
			}
			res, err := m.GenerateTokens(cmd.Context(), ids, opts)
			if err != nil {
				return fmt.Errorf("error generating: %w", err)
			}
			pps := float64(len(res.PromptTokens)) / res.PromptTime.Seconds()
			gps := float64(len(res.Tokens)) / res.GenTime.Seconds()
			if asJSON {
				enc := json.NewEncoder(out)
				return enc.Encode(map[string]any{
					"prompt_tokens": res.PromptTokens, "tokens": res.Tokens, "text": res.Text,
					"stop": res.StopReason, "prompt_tokens_per_s": round2(pps), "gen_tokens_per_s": round2(gps),
				})
			}
			fmt.Fprintln(out)
			fmt.Fprintf(cmd.ErrOrStderr(), "[%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, stop: %s]\n",
				len(res.PromptTokens), pps, len(res.Tokens), gps, res.StopReason)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "model file or added model name (required)")
	f.StringVar(&prompt, "prompt", "", "prompt text")
	f.StringVar(&tokens, "tokens", "", "prompt as comma-separated token ids")
	f.IntVarP(&n, "n", "n", 128, "tokens to generate at most")
	f.Float32Var(&temp, "temp", 0, "sampling temperature (0: greedy)")
	f.IntVar(&topK, "top-k", 40, "sample among the k most likely tokens (0: all)")
	f.Float32Var(&topP, "top-p", 0.95, "sample within cumulative probability p (1: all)")
	f.Float32Var(&penalty, "repeat-penalty", 1.0, "penalty for tokens among the last 64 (1: off)")
	f.Uint64Var(&seed, "seed", 0, "random seed for sampling")
	f.IntVar(&threads, "threads", runtime.GOMAXPROCS(0), "worker threads")
	f.IntVar(&ctxLen, "ctx", 0, "context length in tokens (0: model's, at most 4096)")
	f.BoolVar(&asJSON, "json", false, "print one JSON result instead of streaming")
	f.BoolVar(&ignoreEOS, "ignore-eos", false, "keep generating after end-of-sequence")
	f.StringVar(&act, "act", "", "override the FFN activation: silu or relu2")
	addQ8OutputFlag(cmd)
	addLoadFlags(cmd)
	cmd.MarkFlagRequired("model")
	return cmd
}

func newCortexChatCmd(g *globalFlags) *cobra.Command {
	var (
		model, system, act string
		n, threads         int
		temp, topP         float32
		seed               uint64
	)
	cmd := &cobra.Command{
		Use:   "chat --model MODEL",
		Short: "Chat with a model on the terminal",
		Long: `Chat with a model: each line read from stdin is a user turn; the reply
streams back. The conversation is rendered in the model's chat format
(BitNet b1.58 2B-4T's "User: …<|eot_id|>Assistant: ", Llama 3 headers, or
plain "Role: text" lines) and generation stops at end of turn. Type /reset
to start over; end input (Ctrl-D) to quit.`,
		Example: `  nexus cortex chat --model bitnet-2b --temp 0.7 --seed 1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadCortexModel(g, model, act)
			if err != nil {
				return err
			}
			defer m.Close()
			if m.Tok == nil {
				return fmt.Errorf("model has no usable tokenizer: %v", m.TokErr)
			}
			out := cmd.OutOrStdout()
			var msgs []tokenizer.Message
			reset := func() {
				msgs = msgs[:0]
				if system != "" {
					msgs = append(msgs, tokenizer.Message{Role: "system", Content: system})
				}
			}
			reset()
			in := bufio.NewScanner(cmd.InOrStdin())
			in.Buffer(make([]byte, 64<<10), 1<<20)
			for {
				fmt.Fprint(out, "> ")
				if !in.Scan() {
					fmt.Fprintln(out)
					return in.Err()
				}
				line := strings.TrimSpace(in.Text())
				switch line {
				case "":
					continue
				case "/reset":
					reset()
					continue
				}
				msgs = append(msgs, tokenizer.Message{Role: "user", Content: line})
				bw := bufio.NewWriter(out)
				res, err := m.Chat(cmd.Context(), msgs, cortex.GenerateOptions{
					MaxTokens: n, Threads: threads,
					Sampler: bitnet.SamplerConfig{Temperature: temp, TopK: 40, TopP: topP, RepeatPenalty: 1.1, Seed: seed},
					OnToken: func(t cortex.Token) error { bw.WriteString(t.Text); return bw.Flush() },
				})
				if err != nil {
					return fmt.Errorf("error generating: %w", err)
				}
				fmt.Fprintln(out)
				msgs = append(msgs, tokenizer.Message{Role: "assistant", Content: res.Text})
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "model file or added model name (required)")
	f.StringVar(&system, "system", "", "system prompt")
	f.IntVarP(&n, "n", "n", 256, "tokens per reply at most")
	f.Float32Var(&temp, "temp", 0.7, "sampling temperature (0: greedy)")
	f.Float32Var(&topP, "top-p", 0.95, "nucleus sampling threshold")
	f.Uint64Var(&seed, "seed", 0, "random seed")
	f.IntVar(&threads, "threads", runtime.GOMAXPROCS(0), "worker threads")
	f.StringVar(&act, "act", "", "override the FFN activation: silu or relu2")
	addQ8OutputFlag(cmd)
	addLoadFlags(cmd)
	cmd.MarkFlagRequired("model")
	return cmd
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func newCortexLogitsCmd(g *globalFlags) *cobra.Command {
	var model, tokens, outPath, act string
	var threads int
	cmd := &cobra.Command{
		Use:   "logits --model MODEL --tokens ID,ID,... --out FILE",
		Short: "Write teacher-forced logits of every position (raw float32)",
		Long: `Run the tokens through the model in one batch (teacher-forced) and write
the logits of every position to FILE as raw little-endian float32, shape
[tokens × vocab], row i predicting token i+1: the format of llama.cpp
reference dumps, for comparing engines position by position.`,
		Example: "  nexus cortex logits --model tiny.gguf --tokens 1,302,415,17 --out /tmp/logits.f32",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ids, err := parseTokenList(tokens)
			if err != nil {
				return err
			}
			m, err := loadCortexModel(g, model, act)
			if err != nil {
				return err
			}
			defer m.Close()
			logits, err := m.Logits(cmd.Context(), ids, threads)
			if err != nil {
				return fmt.Errorf("error computing logits: %w", err)
			}
			buf := make([]byte, 4*len(logits))
			for i, v := range logits {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if err := os.WriteFile(outPath, buf, 0o644); err != nil {
				return fmt.Errorf("error writing logits: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d × %d float32 logits to %s\n", len(ids), m.Net.Config.NVocab, outPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "model file or added model name (required)")
	f.StringVar(&tokens, "tokens", "", "comma-separated token ids (required)")
	f.StringVar(&outPath, "out", "", "output file (required)")
	f.IntVar(&threads, "threads", runtime.GOMAXPROCS(0), "worker threads")
	f.StringVar(&act, "act", "", "override the FFN activation: silu or relu2")
	addQ8OutputFlag(cmd)
	cmd.MarkFlagRequired("model")
	cmd.MarkFlagRequired("tokens")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newCortexBenchCmd(g *globalFlags) *cobra.Command {
	var model, threads string
	var p, n, reps, batch int
	var noProbe, hugeCopy bool
	cmd := &cobra.Command{
		Use:   "bench --model MODEL [-p 128] [-n 64] [--threads 1,2]",
		Short: "Measure prompt processing and generation speed, like llama-bench",
		Long: `Measure throughput like llama-bench: ppN processes a prompt of N random
tokens from an empty cache (batched matrix × matrix products); tgN decodes
N tokens one at a time from an empty cache. Each test runs once to warm up,
then --reps times; the table shows the median and every run. t/CPU-s is
tokens per CPU-second of the process (user+system): on a busy machine it
shows the work done per token, which wall-clock time hides.

Generation reads every weight once per token: GB/s is the bytes of weights
read per token (linear layers and output table) times the median t/s, and
"of probe" divides it by the machine's read bandwidth at the same thread
count, measured around each repetition by a probe (a 512 MiB buffer in
huge pages read with AVX-512 loads, 3 passes before each repetition and
after the last): the bandwidth a shared machine leaves to one process
changes from second to second. --no-probe skips it.

Compare with llama-bench on the same file in the same session: the machine
is shared, so quote 'uptime' with the figures.`,
		Example: "  nexus cortex bench --model /tmp/bitnet-2b-synth.gguf -p 128 -n 64 --threads 1,2",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			m, err := loadCortexModel(g, model, "")
			if err != nil {
				return err
			}
			defer m.Close()
			if hugeCopy {
				t0 := time.Now()
				n, err := m.Net.CopyToHugePages()
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "weights copied to huge pages: %s in %v\n", benchstat.Bytes(n), time.Since(t0).Round(time.Millisecond))
			}
			var ths []int
			for _, s := range strings.Split(threads, ",") {
				t, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || t < 1 {
					return fmt.Errorf("bad --threads %q", threads)
				}
				ths = append(ths, t)
			}
			c := m.Net.Config
			lin, outB := m.Net.Bytes()
			fmt.Fprintf(out, "model %s: %s, %d layers, hidden %d, vocab %d; %s read per token; kernels %s\n",
				m.Path, c.Arch, c.NLayer, c.NEmbd, c.NVocab, benchstat.Bytes(lin+outB), kernels.Impl())
			fmt.Fprintf(out, "load average %s on %d CPUs\n", benchstat.LoadAvg(), runtime.NumCPU())
			var prober *cortex.Prober
			if n > 0 && !noProbe {
				if prober, err = cortex.NewProber(); err != nil {
					return err
				}
				defer prober.Close()
			}
			fmt.Fprintf(out, "| %-7s | %7s | %12s | %14s | %7s | %10s | %8s | %24s |\n",
				"test", "threads", "t/s (median)", "t/CPU-s (med)", "GB/s", "probe GB/s", "of probe", "runs (t/s)")
			for _, t := range ths {
				res, err := m.Bench(cmd.Context(), cortex.BenchOptions{Prompt: p, Gen: n, Threads: t, Reps: reps, Batch: batch, Probe: prober})
				if err != nil {
					return fmt.Errorf("error benchmarking: %w", err)
				}
				for _, r := range res {
					var runs []string
					for _, x := range r.Rates {
						runs = append(runs, fmt.Sprintf("%.2f", x))
					}
					gbs, pgbs, frac := "-", "-", "-"
					if r.Bytes > 0 {
						gbs = fmt.Sprintf("%.1f", r.GBs())
					}
					if len(r.Probes) > 0 {
						pgbs = fmt.Sprintf("%.1f", r.ProbeMedian())
						frac = fmt.Sprintf("%.2f", r.Fraction())
					}
					fmt.Fprintf(out, "| %-7s | %7d | %12.2f | %14.2f | %7s | %10s | %8s | %24s |\n",
						r.Test, t, r.Median(), r.CPUMedian(), gbs, pgbs, frac, strings.Join(runs, " "))
				}
			}
			if prober != nil {
				pages := "4 KiB pages"
				if prober.Huge {
					pages = "huge pages"
				}
				fmt.Fprintf(out, "probe: %s loads over %s in %s, %d passes before each tg repetition and after the last; "+
					"of probe = median over repetitions of GB/s ÷ the probe around it\n",
					prober.Loads, benchstat.Bytes(int64(cortex.ProbeSize)), pages, 3)
			}
			fmt.Fprintf(out, "load average %s\n", benchstat.LoadAvg())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "model file or added model name (required)")
	f.IntVarP(&p, "p", "p", 128, "prompt tokens (0: skip the prompt test)")
	f.IntVarP(&n, "n", "n", 64, "generated tokens (0: skip the generation test)")
	f.StringVar(&threads, "threads", strconv.Itoa(runtime.GOMAXPROCS(0)), "comma-separated thread counts")
	f.IntVar(&reps, "reps", 3, "measured repetitions per test")
	f.IntVar(&batch, "batch", 0, "prompt batch size (0: 128)")
	f.BoolVar(&noProbe, "no-probe", false, "skip the memory bandwidth probe")
	f.BoolVar(&hugeCopy, "huge-copy", false, "copy the weights into anonymous huge pages before the tests (see bitnet.Model.CopyToHugePages)")
	addQ8OutputFlag(cmd)
	cmd.MarkFlagRequired("model")
	return cmd
}

func newCortexSynthCmd() *cobra.Command {
	var (
		out, preset, typ, arch, embdType                string
		embd, layers, heads, kvHeads, ff, vocab, ctxLen int
		scales                                          bool
		seed                                            uint64
		ropeBase                                        float32
	)
	cmd := &cobra.Command{
		Use:   "synth --out FILE [--preset tiny|2b-4t] [--type tq2_0|tq1_0|i2_s]",
		Short: "Write a synthetic model with random ternary weights",
		Long: `Write a GGUF model with random ternary weights, for tests and benchmarks.

--preset 2b-4t gives the exact shape of BitNet b1.58 2B-4T (30 layers,
hidden 2560, 20 heads, 5 KV heads, FFN 6912, vocab 128256, rope θ 500000;
about 1.2 GB with TQ2_0 weights and an F16 embedding); --preset tiny the
shape of the reference test models. Shape flags override the preset.

With --arch bitnet (the default) and TQ weights the file also loads in
upstream llama.cpp (llama-bench), for side-by-side speed comparisons. The
vocabulary is a synthetic SentencePiece list (bytes and letter pieces).`,
		Example: `  nexus cortex synth --preset 2b-4t --out /tmp/bitnet-2b-tq2.gguf
  nexus cortex synth --preset 2b-4t --type tq1_0 --out /tmp/bitnet-2b-tq1.gguf
  nexus cortex synth --preset tiny --type i2_s --arch bitnet-25 --out /tmp/tiny-i2s.gguf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var c bitnet.SynthConfig
			switch preset {
			case "2b-4t":
				c = bitnet.Synth2B4T()
			case "tiny":
				c = bitnet.SynthTiny()
			default:
				return fmt.Errorf("unknown --preset %q (tiny or 2b-4t)", preset)
			}
			set := func(name string, dst *int, v int) {
				if cmd.Flags().Changed(name) {
					*dst = v
				}
			}
			set("embd", &c.NEmbd, embd)
			set("layers", &c.NLayer, layers)
			set("heads", &c.NHead, heads)
			set("kv-heads", &c.NHeadKV, kvHeads)
			set("ff", &c.NFF, ff)
			set("vocab", &c.NVocab, vocab)
			set("ctx", &c.NCtx, ctxLen)
			if cmd.Flags().Changed("rope-base") {
				c.RopeBase = ropeBase
			}
			if cmd.Flags().Changed("arch") {
				c.Arch = arch
			}
			types := map[string]gguf.TensorType{"tq2_0": gguf.TypeTQ2_0, "tq1_0": gguf.TypeTQ1_0, "i2_s": gguf.TypeI2_S, "f16": gguf.TypeF16, "f32": gguf.TypeF32}
			var ok bool
			if c.WeightType, ok = types[strings.ToLower(typ)]; !ok {
				return fmt.Errorf("unknown --type %q", typ)
			}
			if c.EmbdType, ok = types[strings.ToLower(embdType)]; !ok {
				return fmt.Errorf("unknown --embd-type %q", embdType)
			}
			c.Scales, c.Seed = scales, seed
			f, err := os.Create(out)
			if err != nil {
				return fmt.Errorf("error creating %s: %w", out, err)
			}
			bw := bufio.NewWriterSize(f, 4<<20)
			if err := bitnet.WriteSynth(bw, c); err != nil {
				f.Close()
				os.Remove(out)
				return fmt.Errorf("error writing model: %w", err)
			}
			if err := bw.Flush(); err != nil {
				f.Close()
				return fmt.Errorf("error writing model: %w", err)
			}
			if err := f.Close(); err != nil {
				return err
			}
			st, _ := os.Stat(out)
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s): %s, %d layers, hidden %d, %d/%d heads, FFN %d, vocab %d, %s weights\n",
				out, benchstat.Bytes(st.Size()), c.Arch, c.NLayer, c.NEmbd, c.NHead, c.NHeadKV, c.NFF, c.NVocab, c.WeightType)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "output file (required)")
	f.StringVar(&preset, "preset", "tiny", "base shape: tiny or 2b-4t")
	f.StringVar(&typ, "type", "tq2_0", "linear weight type: tq2_0, tq1_0 or i2_s")
	f.StringVar(&embdType, "embd-type", "f16", "embedding/output table type: f16 or f32")
	f.StringVar(&arch, "arch", "bitnet", "architecture: bitnet (SiLU), bitnet-b1.58 or bitnet-25 (relu²)")
	f.IntVar(&embd, "embd", 0, "hidden size")
	f.IntVar(&layers, "layers", 0, "layers")
	f.IntVar(&heads, "heads", 0, "attention heads")
	f.IntVar(&kvHeads, "kv-heads", 0, "KV heads")
	f.IntVar(&ff, "ff", 0, "FFN size")
	f.IntVar(&vocab, "vocab", 0, "vocabulary size")
	f.IntVar(&ctxLen, "ctx", 0, "training context length")
	f.Float32Var(&ropeBase, "rope-base", 0, "RoPE θ")
	f.BoolVar(&scales, "scales", false, "store per-tensor scales as blk.N.<name>.scale tensors")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newCortexAddCmd(g *globalFlags) *cobra.Command {
	var name string
	var copyFile bool
	cmd := &cobra.Command{
		Use:   "add FILE",
		Short: "Add a GGUF model under --home so commands can use it by name",
		Long: `Add a GGUF model under $NEXUS_HOME/models/NAME.gguf, as a symbolic link
to FILE (or a copy with --copy). The file is checked first. NAME defaults
to the file name without .gguf. There is no network download: fetch the
GGUF yourself (see 'nexus cortex --help').`,
		Example: "  nexus cortex add ~/Downloads/ggml-model-i2_s.gguf --name bitnet-2b",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := g.Home()
			if err != nil {
				return err
			}
			n, err := cortex.Add(home, args[0], name, copyFile)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added model %s\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "model name (default: file name)")
	cmd.Flags().BoolVar(&copyFile, "copy", false, "copy the file instead of linking it")
	return cmd
}

func newCortexListCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the models added under --home",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names, err := cortex.List(g.home)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}
}
