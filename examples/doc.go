// Package examples holds the NexusOS example apps, one package main per
// directory, and the tests that build each one with GOOS=wasip1
// GOARCH=wasm, seal it and run it in a microVM:
//
//   - hello: an ordinary Go program, no SDK; prints and exits.
//   - invoices: asks MemexFS for unpaid invoices and prints a table with
//     totals.
//   - summarize: asks Cortex to summarise a MemexFS result; skips cleanly
//     when the host has no model.
//   - hostile: tries to escape the microVM in every way it can.
//
// Build and run one by hand:
//
//	nexus build ./examples/hello
//	nexus run hello -- world
package examples
