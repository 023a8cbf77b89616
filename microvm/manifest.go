package microvm

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"nexusos/abi"
)

// Tiers an image can target.
const (
	TierWasm = "wasm"
	TierKVM  = "kvm"
)

// Default limits, used when a manifest leaves a limit at zero.
const (
	DefaultMemoryBytes = 256 << 20
	DefaultTimeout     = 5 * time.Minute
	DefaultOutputBytes = 16 << 20
	// DefaultVCPUs bounds the threads of a tier-2 app (one vCPU each).
	DefaultVCPUs = 32
)

// MinKVMMemoryBytes is the smallest memory limit of a tier-2 image (the
// guest memory of its VM also holds the monitor's page tables).
const MinKVMMemoryBytes = 4 << 20

// MaxVCPUs is the largest vCPU limit a manifest may ask for (what the
// tier-2 monitor supports).
const MaxVCPUs = 64

// MaxMemoryBytes is the largest memory limit a manifest may ask for (the
// 32-bit WebAssembly address space).
const MaxMemoryBytes = 4 << 30

// Manifest describes what a sealed app is and what it may do. It is stored
// in the image as JSON and covered by the image digest and signature.
type Manifest struct {
	ABI     int    `json:"abi"`               // abi.Version the app was built for
	Name    string `json:"name"`              // short name, [a-z0-9._-]
	Version string `json:"version,omitempty"` // free-form
	Tier    string `json:"tier"`              // TierWasm or TierKVM

	// Args are the entry arguments, argv[0] first. Run-time arguments are
	// appended after them.
	Args []string `json:"args,omitempty"`
	// Env is the whole environment the app sees; nothing of the host's
	// environment leaks in.
	Env map[string]string `json:"env,omitempty"`

	Capabilities Capabilities `json:"capabilities"`
	Limits       Limits       `json:"limits"`

	// Handles declares the questions the app answers, so a node offers it
	// for them (docs/api.md, "Apps that answer queries"); nil declares
	// nothing. Read it with DeclaredHandles, which also reads the older
	// HandlesEnv form.
	Handles *Handles `json:"handles,omitempty"`
}

// Handles is what an app declares it handles.
type Handles struct {
	// Kinds are MemexFS document kinds: invoice, receipt, note...
	Kinds []string `json:"kinds,omitempty"`
	// Query is the question the app answers when run without one.
	Query string `json:"query,omitempty"`
}

// HandlesEnv is the environment variable in which manifests sealed before
// Manifest.Handles existed declare what the app handles, as ";"-separated
// entries "kind=KIND" and "query=TEXT":
//
//	NEXUS_HANDLES=kind=invoice;query=invoices
//
// It is still read (DeclaredHandles), never written.
const HandlesEnv = "NEXUS_HANDLES"

// DeclaredHandles returns what m declares it handles: m.Handles, or, when
// that is nil, the HandlesEnv declaration of its environment.
func (m *Manifest) DeclaredHandles() Handles {
	if m.Handles != nil {
		return *m.Handles
	}
	var h Handles
	for _, e := range strings.Split(m.Env[HandlesEnv], ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(e), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "kind":
			h.Kinds = append(h.Kinds, strings.TrimSpace(v))
		case "query":
			h.Query = strings.TrimSpace(v)
		}
	}
	return h
}

// Capabilities are the grants of a manifest. The zero value grants
// nothing: no files, no clock, no MemexFS, no Cortex.
type Capabilities struct {
	// Mounts are host directories preopened read-only in the guest.
	Mounts []Mount `json:"mounts,omitempty"`
	// Clock grants the real wall and monotonic clocks and sleeping;
	// without it the app sees a fake clock that advances 1 ms per reading.
	Clock bool `json:"clock,omitempty"`
	// Memex grants MemexFS reads; nil denies it.
	Memex *MemexGrant `json:"memex,omitempty"`
	// Cortex grants generation and embeddings.
	Cortex bool `json:"cortex,omitempty"`
	// ScratchBytes grants a tier-2 app a writable /tmp of at most this
	// many bytes, in host memory, gone when the VM ends; 0 grants none
	// (/tmp is read-only like the rest of its files).
	ScratchBytes int64 `json:"scratch_bytes,omitempty"`
	// Loopback grants a tier-2 app TCP sockets on 127.0.0.1 between its
	// own threads (a server and its client); nothing outside the VM is
	// reachable either way. Without it socket() fails with EACCES.
	Loopback bool `json:"loopback,omitempty"`
}

// MaxScratchBytes is the largest scratch /tmp a manifest may ask for.
const MaxScratchBytes = 1 << 30

// MemexGrant lists the MemexFS folders an app may read. "/" (or "")
// grants every folder.
type MemexGrant struct {
	Folders []string `json:"folders"`
}

// Mount is one read-only preopened directory.
type Mount struct {
	Host  string `json:"host"`  // absolute host path
	Guest string `json:"guest"` // absolute guest path
}

// Limits bound a microVM's resources. Zero means the default.
type Limits struct {
	MemoryBytes uint64   `json:"memory_bytes,omitempty"`
	Timeout     Duration `json:"timeout,omitempty"`
	OutputBytes int64    `json:"output_bytes,omitempty"`
	// VCPUs bounds a tier-2 app's threads, each of which runs on its own
	// vCPU (zero means DefaultVCPUs; Effective leaves it zero, so tier-1
	// limits read as before); tier 1 ignores it (one thread per app).
	VCPUs int `json:"vcpus,omitempty"`
}

// Duration is a time.Duration that marshals as "1m30s".
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Effective returns l with defaults filled in for zero fields.
func (l Limits) Effective() Limits {
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	if l.Timeout == 0 {
		l.Timeout = Duration(DefaultTimeout)
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = DefaultOutputBytes
	}
	return l
}

// Tighten returns the effective limits of l, lowered to those of t where t
// sets a smaller non-zero value. A run can tighten an image's limits but
// never loosen them.
func (l Limits) Tighten(t Limits) Limits {
	l = l.Effective()
	if t.MemoryBytes != 0 && t.MemoryBytes < l.MemoryBytes {
		l.MemoryBytes = t.MemoryBytes
	}
	if t.Timeout != 0 && t.Timeout < l.Timeout {
		l.Timeout = t.Timeout
	}
	if t.OutputBytes != 0 && t.OutputBytes < l.OutputBytes {
		l.OutputBytes = t.OutputBytes
	}
	if t.VCPUs > 0 && (l.VCPUs == 0 || t.VCPUs < l.VCPUs) {
		l.VCPUs = t.VCPUs
	}
	return l
}

// ErrInvalidManifest is returned (wrapped) by Manifest.Validate.
var ErrInvalidManifest = errors.New("microvm: invalid manifest")

// Validate checks a manifest read from an untrusted image.
func (m *Manifest) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidManifest, fmt.Sprintf(format, args...))
	}
	if m.ABI < 1 || m.ABI > abi.Version {
		return bad("abi version %d not supported (this host speaks 1..%d)", m.ABI, abi.Version)
	}
	if !validName(m.Name) {
		return bad("name %q: want 1-64 characters of a-z 0-9 . _ -", m.Name)
	}
	if m.Tier != TierWasm && m.Tier != TierKVM {
		return bad("tier %q: want %q or %q", m.Tier, TierWasm, TierKVM)
	}
	if len(m.Args) > 256 || len(m.Env) > 256 {
		return bad("too many arguments or environment variables")
	}
	for k := range m.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return bad("environment name %q", k)
		}
	}
	for _, mt := range m.Capabilities.Mounts {
		if !path.IsAbs(mt.Host) || !path.IsAbs(mt.Guest) || path.Clean(mt.Guest) != mt.Guest {
			return bad("mount %s:%s: both paths must be absolute and clean", mt.Host, mt.Guest)
		}
	}
	if g := m.Capabilities.Memex; g != nil {
		for _, f := range g.Folders {
			if _, ok := abi.CleanFolder(f); !ok {
				return bad("memex folder %q", f)
			}
		}
	}
	if h := m.Handles; h != nil {
		if len(h.Kinds) > 64 || len(h.Query) > 4096 {
			return bad("handles: at most 64 kinds and a 4 KiB query")
		}
		for _, k := range h.Kinds {
			if k == "" || len(k) > 64 {
				return bad("handles: kind %q", k)
			}
		}
	}
	if c := m.Capabilities; c.ScratchBytes < 0 || c.ScratchBytes > MaxScratchBytes {
		return bad("scratch %d bytes: want 0..%d", c.ScratchBytes, int64(MaxScratchBytes))
	}
	if c := m.Capabilities; m.Tier != TierKVM && (c.ScratchBytes > 0 || c.Loopback) {
		return bad("scratch space and loopback sockets are tier-%s grants", TierKVM)
	}
	if m.Limits.MemoryBytes > MaxMemoryBytes {
		return bad("memory limit %d above %d", m.Limits.MemoryBytes, uint64(MaxMemoryBytes))
	}
	if m.Tier == TierKVM && m.Limits.MemoryBytes != 0 && m.Limits.MemoryBytes < MinKVMMemoryBytes {
		return bad("memory limit %d below the %d a tier-%s microVM needs", m.Limits.MemoryBytes, MinKVMMemoryBytes, TierKVM)
	}
	if m.Limits.Timeout < 0 || m.Limits.OutputBytes < 0 || m.Limits.VCPUs < 0 {
		return bad("negative limit")
	}
	if m.Limits.VCPUs > MaxVCPUs {
		return bad("vcpu limit %d above %d", m.Limits.VCPUs, MaxVCPUs)
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return s[0] != '.' && s[0] != '-'
}

// ValidName reports whether s is a valid image name.
func ValidName(s string) bool { return validName(s) }
