//go:build linux && amd64

package libos

import (
	"context"
	"io"
	"sync"
	"testing"
)

// TestManyVMs starts VMs back to back on several goroutines at once, the
// way a busy node does. It caught KVM_CREATE_VM failing with EINTR when a
// Go preemption signal was pending.
func TestManyVMs(t *testing.T) {
	needKVM(t)
	progs := []struct {
		elf  []byte
		args []string
		runs int
	}{
		{readFile(t, buildMusl(t, "examples-kvm/hello-c/hello.c")), []string{"c"}, 15},
		{readFile(t, buildGo(t, "examples-kvm/hello-go")), []string{"h", "-quick"}, 4},
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range progs {
				for i := 0; i < p.runs; i++ {
					res, err := Run(context.Background(), NewConfig().WithArgs(p.args...).WithStdout(io.Discard), p.elf)
					if err != nil || (res.ExitCode != 0 && res.ExitCode != 3) {
						t.Errorf("%v run %d: %v, exit %d", p.args, i, err, res.ExitCode)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
