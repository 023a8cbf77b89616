// Package wasm is NexusOS tier 1: it runs sealed WebAssembly apps as
// microVMs on wazero (compiler backend). Each microVM is a fresh module
// instance with its own linear memory, reserved with mmap up to its memory
// limit (a small one freed by an earlier instance is zeroed and reused, so
// a run does not fault its pages in afresh), and sees only what its
// manifest grants: WASI for stdio, arguments,
// the manifest's environment, read-only preopened directories and
// (optionally) the real clock; plus the host ABI in import module "nexus"
// (see docs/abi.md), whose calls go through a microvm.Dispatcher.
//
// Engine keeps compiled modules in memory by image digest and, when
// configured with a cache directory, on disk (wazero's file-backed
// compilation cache), so only the first build of an image pays for
// compilation. Engine is safe for concurrent use.
//
// # Stopping untrusted code
//
// The runtime is configured WithCloseOnContextDone, so a deadline or Stop
// interrupts even a guest spinning in a loop without host calls. The cost
// is a check at every function entry and loop back-edge.
package wasm
