// Package microvm is the microVM abstraction shared by both NexusOS tiers:
// the manifest an image carries (capabilities and limits), the lifecycle
// and status of a running microVM, the host ABI dispatcher that checks every
// call against the manifest before it reaches MemexFS or Cortex, and the
// Manager that runs detached microVMs behind an HTTP API.
//
// The tiers plug in through Engine: tier 1 (microvm/wasm) runs WebAssembly
// on wazero; tier 2 (microvm/kvm, on hyper) carries the same ABI messages
// over reserved system calls to the same Dispatcher.
//
//	prog := &microvm.Program{ID: digest, Manifest: m, Code: wasmBytes}
//	st, err := engine.Run(ctx, prog, microvm.RunConfig{Stdout: os.Stdout, Stderr: os.Stderr})
//	// st.State is Exited or Failed; st.Reason says why; st.ExitCode is the code.
//
// Manifest, Limits and Status are plain values. Dispatcher and Manager are
// safe for concurrent use.
package microvm
