package api

import (
	"path/filepath"
	"strings"
	"testing"

	"nexusos/cortex"
)

// TestSummaryAbstractive: /v1/memex/summary keeps its extractive
// sentences and sources, and adds the text of the chat model served (the
// tiny test model) or says why there is none.
func TestSummaryAbstractive(t *testing.T) {
	type summary struct {
		Sentences   []struct{ Text, Source string }
		Sources     []string
		Abstractive *struct {
			Text, Model, Finish string
			Sentences, Tokens   int
		}
		Reason string `json:"abstractive_reason"`
	}
	check := func(s summary) {
		t.Helper()
		if len(s.Sentences) == 0 || len(s.Sentences) > 3 || len(s.Sources) == 0 || s.Sentences[0].Source == "" {
			t.Fatalf("extractive part: %+v", s)
		}
		if (s.Abstractive == nil) == (s.Reason == "") {
			t.Fatalf("abstractive %+v with reason %q: want exactly one", s.Abstractive, s.Reason)
		}
	}

	// No chat model.
	ts := newServer(t, srvConfig{})
	var s summary
	getJSON(t, ts.URL+"/v1/memex/summary?topic=photosynthesis&n=3", 200, &s)
	check(s)
	if !strings.Contains(s.Reason, "no chat model") {
		t.Errorf("without a model: reason %q", s.Reason)
	}

	// The tiny chat model added under the home.
	h := t.TempDir()
	model, err := filepath.Abs("../../cortex/testdata/bitnet-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cortex.Add(h, model, "tiny-chat", false); err != nil {
		t.Fatal(err)
	}
	ts = newServer(t, srvConfig{Home: h})
	s = summary{}
	getJSON(t, ts.URL+"/v1/memex/summary?topic=photosynthesis&n=3", 200, &s)
	check(s)
	if a := s.Abstractive; a != nil {
		if a.Model != "tiny-chat" || a.Text == "" || a.Tokens < 1 || a.Sentences < 1 {
			t.Errorf("abstractive %+v", a)
		}
	} else if !strings.Contains(s.Reason, "tiny-chat") {
		// The tiny model's context (256 tokens) may hold no sentence.
		t.Errorf("with tiny-chat: reason %q", s.Reason)
	}
	t.Logf("abstractive %+v, reason %q", s.Abstractive, s.Reason)
	s = summary{}
	getJSON(t, ts.URL+"/v1/memex/summary?topic=photosynthesis&n=3&extractive=1", 200, &s)
	check(s)
	if s.Abstractive != nil || !strings.Contains(s.Reason, "extractive") {
		t.Errorf("extractive=1: %+v %q", s.Abstractive, s.Reason)
	}
}
