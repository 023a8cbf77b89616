//go:build unix

package ocr

import (
	"os/exec"
	"syscall"
)

// killGroup makes cmd the leader of a new process group and has
// cancellation kill the whole group, so a shell wrapper's children die
// with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
