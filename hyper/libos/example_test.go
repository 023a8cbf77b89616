//go:build linux && amd64

package libos_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"nexusos/hyper/libos"
)

// Run a static program in a microVM with a read-only directory as its "/"
// and a wall-time limit.
func ExampleRun() {
	elf, err := os.ReadFile("hello") // musl-gcc -static -o hello hello.c
	if err != nil {
		fmt.Println(err)
		return
	}
	root, err := os.OpenRoot("testdata")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()
	cfg := libos.NewConfig().
		WithArgs("hello", "world").
		WithFS(root.FS()).
		WithStdout(os.Stdout).
		WithMemory(64 << 20)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := libos.Run(ctx, cfg, elf)
	fmt.Println(res.ExitCode, err)
}
