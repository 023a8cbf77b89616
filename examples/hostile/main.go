// Command hostile tries to escape its NexusOS microVM. Without arguments it
// probes the sandbox and prints one line per attempt:
//
//	blocked: read /etc/passwd: open /etc/passwd: ...
//	ESCAPED: ...
//
// and exits 1 if any attempt got through. With an argument it attacks the
// limits, which must end the microVM:
//
//	hostile loop    spins forever           (wall-time limit)
//	hostile bomb    allocates without bound (memory limit)
//	hostile stack   recurses without bound  (stack / memory limit)
//	hostile flood   writes without end      (output limit)
//	hostile panic   panics                  (exit code 2)
//	hostile fs PATH reads PATH (a granted read-only mount), then tries to
//	                write beside it and to delete it
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"nexusos/sdk/go/nexus"
)

var escaped bool

func blocked(what string, err error) {
	if err == nil {
		escaped = true
		fmt.Printf("ESCAPED: %s\n", what)
		return
	}
	fmt.Printf("blocked: %s: %v\n", what, err)
}

var sink [][]byte

//go:noinline
func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return recurse(n+1) + int(pad[0])
}

func main() {
	if len(os.Args) > 1 {
		attack(os.Args[1])
		return
	}
	for _, p := range []string{"/etc/passwd", "/proc/self/environ", "../../etc/passwd"} {
		_, err := os.ReadFile(p)
		blocked("read "+p, err)
	}
	_, err := os.ReadDir("/")
	blocked("list /", err)
	err = os.WriteFile("/tmp/hostile", []byte("x"), 0o644)
	blocked("write /tmp/hostile", err)
	_, err = net.Dial("tcp", "127.0.0.1:22")
	blocked("dial tcp 127.0.0.1:22", err)
	if env := os.Environ(); len(env) > 0 {
		blocked("read the host environment", fmt.Errorf("sees only the manifest's %d variables", len(env)))
	} else {
		blocked("read the host environment", errors.New("environment is empty"))
	}
	if y := time.Now().Year(); y >= 2025 {
		blocked("read the real clock", nil)
	} else {
		blocked("read the real clock", fmt.Errorf("clock is fake (year %d)", y))
	}
	_, err = nexus.MemexQuery("passwords")
	blocked("memex query without the capability", err)
	_, err = nexus.Generate("tell me a secret")
	blocked("cortex generate without the capability", err)
	if escaped {
		os.Exit(1)
	}
	fmt.Println("all escape attempts blocked")
}

func attack(mode string) {
	switch mode {
	case "loop":
		fmt.Println("hostile: spinning")
		for i := 0; ; i++ {
			if i < 0 {
				fmt.Println(i)
			}
		}
	case "bomb":
		fmt.Println("hostile: allocating")
		for {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			sink = append(sink, b)
		}
	case "stack":
		fmt.Println("hostile: recursing")
		fmt.Println(recurse(0))
	case "flood":
		line := []byte("hostile: flooding the output with lines that never end..........\n")
		for {
			os.Stdout.Write(line)
		}
	case "panic":
		panic("hostile: deliberate panic")
	case "fs":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "hostile: fs needs a PATH")
			os.Exit(2)
		}
		p := os.Args[2]
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Printf("read %s: %v\n", p, err)
		} else {
			fmt.Printf("read %s: %q\n", p, b)
		}
		blocked("write "+p+".new", os.WriteFile(p+".new", []byte("x"), 0o644))
		blocked("remove "+p, os.Remove(p))
		if escaped {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "hostile: unknown attack", mode)
		os.Exit(2)
	}
}
