// Package image is the sealed NexusOS image: the format that binds an app's
// code to its manifest, its content address, its optional ed25519
// signature, the builder that turns a Go package, a .wasm file or a static
// ELF executable into one,
// and the store that keeps images under <home>/images.
//
// # Format
//
// A sealed image is one file; integers are little-endian:
//
//	+--------+------+------------------------------------------------+
//	| offset | size | field                                          |
//	+--------+------+------------------------------------------------+
//	| 0      | 8    | magic "NXIMAGE\x00"                            |
//	| 8      | 4    | format version V: 1, or 2 with sealed files    |
//	| 12     | 4    | manifest length M, at most 1 MiB               |
//	| 16     | M    | manifest, JSON (Manifest)                      |
//	| 16+M   | 8    | module length N, at most 1 GiB                 |
//	| 24+M   | N    | module: WebAssembly binary or static ELF       |
//	| 24+M+N | 8    | memory snapshot length P, 0 unless preinit     |
//	| 32+M+N | P    | snapshot: tier 1 linear memory (whole 64 KiB   |
//	|        |      | pages); tier 2 a library-OS snapshot           |
//	| +P     | 8    | files length F, at most 1 GiB (V = 2 only)     |
//	| +8     | F    | sealed files, ZIP of stored entries (V = 2)    |
//	| +F     | 4    | signature length S, 0 or at most 4 KiB         |
//	| +4     | S    | signature, JSON (Signature)                    |
//	+--------+------+------------------------------------------------+
//
// The manifest records the SHA-256 and size of the module, of the memory
// snapshot (manifest "preinit") and of the sealed files (manifest "files",
// tier kvm only), so the image digest, "sha256:" + hex(SHA-256(manifest
// bytes)), addresses the whole image. An image without sealed files is
// written as version 1, exactly as before version 2 existed; both versions
// are read. A signature signs the string "nexus-image-v1\n" + digest.
// Decode checks every section against the manifest and the signature
// against its key, so a flipped bit anywhere fails with ErrTampered or
// ErrBadSignature.
//
// Decode does not copy: the image's sections are slices of the bytes it
// was given, hashed (the large ones on goroutines of their own) while the
// manifest is decoded, and its signature is checked once, not again by
// the Verify that applies the trust policy. MapFile and Store.Map, for a
// process that runs one image and exits (`nexus run`), map the file
// instead of reading it when only this process's user or root can write
// it on a local file system (mapped_unix.go says why that is as safe as
// reading it), and can hand the manifest, still unverified, to a Prepare
// function that starts work the run needs anyway (tier 2 builds its VM).
// The digest and the signature are checked on every load, and every
// section too, except that Store.Map hashes the sections of a file it
// has stamped as checked, unchanged since, only once a day
// (verified.go says when a stamp is written and why it is believed).
//
// The manifest's "tier" says which engine runs the image: "wasm" (tier 1,
// microvm/wasm) or "kvm" (tier 2, microvm/kvm: a static x86-64 executable
// in a KVM microVM, with the sealed files as its read-only "/").
//
// # Store
//
//	<home>/images/
//	  sha256/<hex>.nxi   sealed images, named by digest
//	  names/<name>       the digest of the latest image built under that name
//	  cache/             wazero's compilation cache (native code)
//	  verified/<hex>     verification stamps of Store.Map (verified.go)
//
// # OCI
//
// WriteOCI writes an image as an OCI image layout in a tar archive: a
// manifest whose config (MediaTypeOCIConfig) describes the app and whose
// one layer (MediaTypeOCISealed) is the sealed image unchanged. ReadOCI
// reads such a layout, as an archive or a directory, checks every blob
// against its descriptor and the sealed image as Decode does, within the
// bounds MaxOCIEntries, MaxOCIJSON and MaxSealedSize. docs/images.md
// describes the form and the checks.
//
// Images and Store are safe for concurrent use once built; Store writes are
// atomic (write to a temporary file, then rename).
package image
