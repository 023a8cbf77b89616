//go:build !unix

package ocr

import "os/exec"

// killGroup is a no-op where process groups are not available; the
// command alone is killed on cancellation.
func killGroup(cmd *exec.Cmd) {}
