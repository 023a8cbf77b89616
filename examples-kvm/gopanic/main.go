// Command gopanic checks that CPU faults become Go panics inside a tier-2
// microVM, as they do natively through SIGSEGV/SIGFPE: a nil dereference
// and an integer division by zero are recovered, fmt prints a nil
// Stringer, and with the argument "crash" an unrecovered nil dereference
// ends the program with Go's usual panic message and exit status 2.
package main

import (
	"fmt"
	"os"
)

type node struct{ next *node }

type named struct{ name string }

func (n *named) String() string { return n.name }

func try(what string, f func()) {
	defer func() { fmt.Printf("%s: recovered: %v\n", what, recover()) }()
	f()
}

var zero = 0

func main() {
	var n *node
	try("nil dereference", func() { _ = n.next.next })
	try("division by zero", func() { fmt.Println(1 / zero) })
	var s *named
	fmt.Printf("nil Stringer: %v\n", s)
	try("again", func() { _ = n.next })
	if len(os.Args) > 1 && os.Args[1] == "crash" {
		fmt.Println(n.next)
	}
	fmt.Println("done")
}
