//go:build linux

package shim_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nexusos/hyper"
	"nexusos/internal/benchstat"
	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
	"nexusos/microvm/wasmbin"
	"nexusos/node/shim"
)

// BenchmarkContainerd times runs from start to exit as their caller sees
// them: `nexus run` of a sealed image file, `ctr run` of the same image
// through the nexus runtime, and (tier 2's static C hello) `ctr run` of
// the same executable with runc, on one private containerd. Each reports
// p50 and p99 in ms; the shim stays up between runs (it lingers), as it
// does under a steady load.
//
//	go test -run XXX -bench Containerd -benchtime 40x ./node/shim
func BenchmarkContainerd(b *testing.B) {
	c := startContainerd(b)
	dir := b.TempDir()
	nexus := filepath.Join(dir, "nexus")
	goBuild := exec.Command("go", "build", "-o", nexus, "nexusos/cmd/nexus")
	goBuild.Env = append(os.Environ(), "CGO_ENABLED=0") // one static binary, as the README builds it
	if out, err := goBuild.CombinedOutput(); err != nil {
		b.Fatalf("build nexus: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	type app struct {
		name, file string
		img        *image.Image
	}
	apps := []app{{name: "hello", img: build(b, image.BuildOptions{Path: repoPath("examples/hello"), Name: "hello", Preinit: wasm.Preinit})}}
	var helloC string
	if cc, err := exec.LookPath("musl-gcc"); err == nil && hyper.Available() == nil {
		helloC = filepath.Join(dir, "rootfs", "hello")
		os.MkdirAll(filepath.Dir(helloC), 0o755)
		if out, err := exec.Command(cc, "-static", "-O2", "-o", helloC, repoPath("examples-kvm/hello-c/hello.c")).CombinedOutput(); err != nil {
			b.Fatalf("musl-gcc: %v\n%s", err, out)
		}
		apps = append(apps, app{name: "hello-c", img: build(b, image.BuildOptions{Tier: microvm.TierKVM, Path: helloC, Name: "hello-c"})})
	}
	for i := range apps {
		a := &apps[i]
		a.file = filepath.Join(dir, a.name+".nxi")
		if err := os.WriteFile(a.file, a.img.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		c.importImage(a.img, a.name+":1.0")
	}
	timed := func(b *testing.B, cmd func() *exec.Cmd) {
		run := func() time.Duration {
			x := cmd()
			start := time.Now()
			if out, err := x.CombinedOutput(); err != nil && x.ProcessState.ExitCode() != 3 { // hello-c exits 3
				b.Fatalf("%v: %v\n%s", x.Args, err, out)
			}
			return time.Since(start)
		}
		run() // compile, start the shim
		var ds []time.Duration
		b.ResetTimer()
		for range b.N {
			ds = append(ds, run())
		}
		b.ReportMetric(float64(benchstat.Percentile(ds, 50))/1e6, "p50-ms")
		b.ReportMetric(float64(benchstat.Percentile(ds, 99))/1e6, "p99-ms")
	}
	for _, a := range apps {
		b.Run("nexus-run/"+a.name, func(b *testing.B) {
			timed(b, func() *exec.Cmd { return exec.Command(nexus, "--home", home, "run", a.file) })
		})
		b.Run("ctr-run-nexus/"+a.name, func(b *testing.B) {
			timed(b, func() *exec.Cmd {
				return c.command("run", "--rm", "--runtime", shim.RuntimeName, "--rootfs", c.empty, "bench", a.name+":1.0")
			})
		})
	}
	if helloC != "" {
		b.Run("ctr-run-runc/hello-c", func(b *testing.B) {
			timed(b, func() *exec.Cmd { return c.command("run", "--rm", "--rootfs", filepath.Dir(helloC), "bench", "/hello") })
		})
	}
	b.Logf("load average %s", benchstat.LoadAvg())
}

// BenchmarkContainerdMemory reports what a running microVM adds to its
// shim's resident memory, its own pages included: the shim's VmRSS with
// one spinning container, then with 10 more, in one shim (tier 1: a
// hand-assembled loop with one 64 KiB page; tier 2: hostile-c loop, with
// musl-gcc and KVM).
func BenchmarkContainerdMemory(b *testing.B) {
	c := startContainerd(b)
	spin := map[string][]string{}
	c.importImage(seal(b, "spin", startModule([]byte{wasmbin.OpLoop, wasmbin.BlockEmpty, wasmbin.OpBr, 0, wasmbin.OpEnd})), "spin:1.0")
	spin["tier1"] = []string{"spin:1.0"}
	if cc, err := exec.LookPath("musl-gcc"); err == nil && hyper.Available() == nil {
		exe := filepath.Join(b.TempDir(), "hostile-c")
		if out, err := exec.Command(cc, "-static", "-O2", "-o", exe, repoPath("examples-kvm/hostile/hostile.c")).CombinedOutput(); err != nil {
			b.Fatalf("musl-gcc: %v\n%s", err, out)
		}
		c.importImage(build(b, image.BuildOptions{Tier: microvm.TierKVM, Path: exe, Name: "hostile-c"}), "hostile-c:1.0")
		spin["tier2"] = []string{"hostile-c:1.0", "loop"}
	}
	const n = 10
	for _, tier := range []string{"tier1", "tier2"} {
		args, ok := spin[tier]
		if !ok {
			continue
		}
		b.Run(tier, func(b *testing.B) {
			for range b.N {
				var ids []string
				start := func() {
					id := fmt.Sprintf("%s-%d", tier, len(ids))
					c.must(append([]string{"run", "-d", "--runtime", shim.RuntimeName, "--annotation", shim.AnnotationGroup + "=" + tier, "--rootfs", c.empty, id}, args...)...)
					ids = append(ids, id)
				}
				start()
				waitRunning(b, c, ids[0])
				time.Sleep(200 * time.Millisecond)
				pid := taskPID(b, c, ids[0])
				one := rssKiB(b, pid)
				for range n {
					start()
				}
				for _, id := range ids {
					waitRunning(b, c, id)
				}
				time.Sleep(200 * time.Millisecond)
				many := rssKiB(b, pid)
				b.ReportMetric(float64(many-one)/n, "KiB/vm")
				b.Logf("%s: shim RSS %d KiB with 1 microVM, %d KiB with %d", tier, one, many, n+1)
				for _, id := range ids {
					c.must("task", "kill", "-s", "SIGKILL", id)
				}
				for _, id := range ids {
					for taskStatus(c, id) != "STOPPED" {
						time.Sleep(10 * time.Millisecond)
					}
					c.must("task", "delete", id)
					c.must("container", "delete", id)
				}
			}
		})
	}
}

// rssKiB is a process's resident set (VmRSS) in KiB.
func rssKiB(tb testing.TB, pid string) int {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	tb.Fatalf("no VmRSS for %s", pid)
	return 0
}
