package memex

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// TestRankNoGoodMatch: a content question about nothing in the index gets
// no files and says why; one about an indexed note still finds it.
func TestRankNoGoodMatch(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ans, err := m.Query(ctx, "how to knit a woolly scarf", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) != 0 || ans.Empty == nil || !strings.HasPrefix(ans.Empty.Message, "no good match") {
		t.Fatalf("off-topic question: results %v, empty %+v", paths(ans), ans.Empty)
	}
	ans, err = m.Query(ctx, "how do plants turn sunlight into food", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) == 0 || ans.Results[0].Rel != "notes/photosynthesis.md" || ans.Empty != nil {
		t.Fatalf("on-topic question: results %v, empty %+v", paths(ans), ans.Empty)
	}
	for i := 1; i < len(ans.Results); i++ {
		if ans.Results[i].Score > ans.Results[i-1].Score || ans.Results[i].Score < RelevanceFloor {
			t.Fatalf("scores out of order or under the floor: %+v", ans.Results)
		}
	}
}

func TestContentText(t *testing.T) {
	for in, want := range map[string]string{
		"how are inflation and central banks connected": "inflation and central banks",
		"What do my notes say about geology":            "geology",
		"how why what":                                  "how why what", // nothing else: kept
	} {
		if got := contentText(in); got != want {
			t.Errorf("contentText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaxSim(t *testing.T) {
	x, y := []float32{1, 0}, []float32{0, 1}
	d := []float32{float32(math.Sqrt(0.5)), float32(math.Sqrt(0.5))}
	q := []lateVec{{x, 1}, {y, 3}}
	if got := maxSim(q, []lateVec{{x, 1}}); math.Abs(got-0.25) > 1e-6 {
		t.Errorf("maxSim one word = %v, want 0.25 (x matched, y orthogonal, weights 1:3)", got)
	}
	if got := maxSim(q, []lateVec{{x, 1}, {y, 1}}); math.Abs(got-1) > 1e-6 {
		t.Errorf("maxSim all words = %v, want 1", got)
	}
	if got := maxSim(q, []lateVec{{d, 1}}); math.Abs(got-math.Sqrt(0.5)) > 1e-6 {
		t.Errorf("maxSim diagonal = %v", got)
	}
	if got := maxSim(nil, []lateVec{{x, 1}}); got != 0 {
		t.Errorf("maxSim of no words = %v", got)
	}
}

func TestRelevant(t *testing.T) {
	r := []rankedChunk{{Score: 1.2}, {Score: 0.6}, {Score: 0.3}}
	if got, e := relevant(r, false); len(got) != 3 || e != nil {
		t.Fatalf("uncut: %d, %+v", len(got), e)
	}
	if got, e := relevant(r, true); len(got) != 2 || e != nil {
		t.Fatalf("cut: %d chunks kept, want 2 (floor %.2f); %+v", len(got), RelevanceFloor, e)
	}
	if got, e := relevant(r[1:], true); len(got) != 0 || e == nil || !strings.Contains(e.Message, "0.60") {
		t.Fatalf("below the cutoff: %d, %+v", len(got), e)
	}
}

func TestCalibratedEmbedder(t *testing.T) {
	m, _, _ := openTest(t)
	if !m.cutsIrrelevant() {
		t.Fatalf("the built-in embedder %q is not %q: recalibrate RelevanceCutoff (TestParaphraseRecall) and rename", m.emb.Name(), CalibratedEmbedder)
	}
}
