package main

import (
	"bytes"
	"testing"

	"github.com/spf13/cobra"
)

// TestNewRootCmdFor: a process whose arguments name `run` builds that
// command alone, with the same help; anything else builds every command.
func TestNewRootCmdFor(t *testing.T) {
	full := len(newRootCmd().Commands())
	for _, c := range []struct {
		args []string
		want int // commands under the root; 0 means the full tree
	}{
		{[]string{"run", "hello"}, 1},
		{[]string{"--home", "/x", "run", "hello", "--", "a"}, 1},
		{[]string{"--home=/x", "run", "--help"}, 1},
		{[]string{"build", "./examples/hello"}, 0},
		{[]string{"help", "run"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"-h", "run"}, 0},
		{[]string{"--home", "run"}, 0}, // "run" is the home here
		{nil, 0},
	} {
		root := newRootCmdFor(c.args)
		want := c.want
		if want == 0 {
			want = full
		}
		if got := len(root.Commands()); got != want {
			t.Errorf("%q: %d commands, want %d", c.args, got, want)
		}
	}
	// The same help as the full tree gives.
	help := func(root func() *cobra.Command) []byte {
		var b bytes.Buffer
		r := root()
		r.SetArgs([]string{"run", "--help"})
		r.SetOut(&b)
		r.SetErr(&b)
		if err := r.Execute(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	alone := help(func() *cobra.Command { return newRootCmdFor([]string{"run", "--help"}) })
	if all := help(newRootCmd); !bytes.Equal(alone, all) || len(alone) == 0 {
		t.Errorf("run --help differs:\n%s\n---\n%s", alone, all)
	}
}
