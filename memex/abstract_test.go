package memex

import (
	"strings"
	"testing"

	"nexusos/memex/graph"
)

// TestAbstractPrompt: the prompt numbers every sentence in order, names
// its file, and asks for a short summary of the topic.
func TestAbstractPrompt(t *testing.T) {
	ss := []graph.Sentence{
		{Text: "Bees pollinate\n flowers.", Source: "/data/notes/bees.md"},
		{Text: "Hives need water.", Source: "/data/hives.md"},
	}
	system, user := AbstractPrompt("bees", ss)
	if !strings.Contains(system, "only the numbered source sentences") {
		t.Errorf("system: %q", system)
	}
	for _, want := range []string{"Topic: bees\n", "[1] Bees pollinate flowers. (bees.md)\n", "[2] Hives need water. (hives.md)\n", "Summarize"} {
		if !strings.Contains(user, want) {
			t.Errorf("user message lacks %q:\n%s", want, user)
		}
	}
	if strings.Index(user, "[1]") > strings.Index(user, "[2]") || strings.Contains(user, "[3]") {
		t.Errorf("numbering:\n%s", user)
	}
}
