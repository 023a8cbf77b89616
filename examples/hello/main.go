// Command hello is the smallest NexusOS app: an ordinary Go program, built
// unchanged for GOOS=wasip1, that prints a greeting and its arguments.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	who := "world"
	if len(os.Args) > 1 {
		who = strings.Join(os.Args[1:], " ")
	}
	fmt.Printf("hello, %s, from a NexusOS microVM\n", who)
	fmt.Fprintln(os.Stderr, "hello: done")
}
