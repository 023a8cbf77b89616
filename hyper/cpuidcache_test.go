//go:build linux && amd64

package hyper

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"nexusos/hyper/kvm"
)

// pinToOneCPU keeps the test's goroutine on one host CPU until it ends:
// KVM_GET_SUPPORTED_CPUID reports the calling CPU's APIC id (leaf 1 EBX,
// leaf 0xb EDX), so two reads compare equal only from the same CPU.
func pinToOneCPU(t *testing.T) {
	t.Helper()
	runtime.LockOSThread()
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	for cpu := 0; cpu < 1024; cpu++ {
		if old.IsSet(cpu) {
			one.Set(cpu)
			break
		}
	}
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	})
}

func testCPUIDKey(boot byte) cpuidKey {
	k := cpuidKey{dev: 5, ino: 77, ctimeNS: 1_700_000_000_123_456_789}
	for i := range k.boot {
		k.boot[i] = boot
	}
	return k
}

// TestCPUIDCacheEncoding: a table read back under its own key is the
// table written; any other key, a flipped or missing byte, a trailing
// one, or an entry count out of bounds is refused.
func TestCPUIDCacheEncoding(t *testing.T) {
	k := testCPUIDKey('a')
	entries := []kvm.CPUIDEntry{
		{Function: 0, EAX: 0xd, EBX: 0x756e6547},
		{Function: 7, Index: 0, Flags: 1, EBX: 0x219c07ab, ECX: 0x18400f2c, EDX: 0xbc000400},
		{Function: 0x80000001, ECX: 0x121, EDX: 0x2c100800},
	}
	b := encodeCPUIDCache(k, entries)
	if len(b) != cpuidHeaderSize+len(entries)*cpuidEntrySize+4 {
		t.Fatalf("encoded %d bytes", len(b))
	}
	got, ok := decodeCPUIDCache(b, k)
	if !ok || !slices.Equal(got, entries) {
		t.Fatalf("decoded %v, %v; want %v", got, ok, entries)
	}
	other := []cpuidKey{testCPUIDKey('b'), k, k, k}
	other[1].dev++
	other[2].ino++
	other[3].ctimeNS++
	for i, o := range other {
		if _, ok := decodeCPUIDCache(b, o); ok {
			t.Errorf("key %d: accepted a table of another boot or /dev/kvm", i)
		}
	}
	for i := range b {
		c := slices.Clone(b)
		c[i] ^= 0x10
		if _, ok := decodeCPUIDCache(c, k); ok {
			t.Fatalf("accepted the file with byte %d flipped", i)
		}
	}
	for n := range len(b) {
		if _, ok := decodeCPUIDCache(b[:n], k); ok {
			t.Fatalf("accepted the file cut to %d bytes", n)
		}
	}
	if _, ok := decodeCPUIDCache(append(slices.Clone(b), 0), k); ok {
		t.Fatal("accepted a trailing byte")
	}
	if _, ok := decodeCPUIDCache(encodeCPUIDCache(k, nil), k); ok {
		t.Fatal("accepted an empty table")
	}
	if _, ok := decodeCPUIDCache(encodeCPUIDCache(k, make([]kvm.CPUIDEntry, maxCachedCPUID+1)), k); ok {
		t.Fatal("accepted more entries than the bound")
	}
}

// TestCPUIDCacheFile: with KVM, the first read asks KVM and writes the
// file; a file for this boot and /dev/kvm is then believed (a table
// written there is what comes back), and one for another boot is
// replaced by KVM's table.
func TestCPUIDCacheFile(t *testing.T) {
	needKVM(t)
	pinToOneCPU(t)
	sys, err := openSystem()
	if err != nil {
		t.Fatal(err)
	}
	want, err := sys.SupportedCPUID()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kvm-cpuid")
	CacheCPUID(path)
	defer CacheCPUID("")

	got, err := cachedSupportedCPUID(sys)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("first read: %d entries, %v; want KVM's %d", len(got), err, len(want))
	}
	k, ok := currentCPUIDKey(sys)
	if !ok {
		t.Fatal("no key for this boot")
	}
	if b, err := os.ReadFile(path); err != nil {
		t.Fatalf("cache not written: %v", err)
	} else if e, ok := decodeCPUIDCache(b, k); !ok || !slices.Equal(e, want) {
		t.Fatal("cache file does not hold KVM's table")
	}

	// A table cached for this boot is used as it is.
	marked := slices.Clone(want)
	marked[0].EBX ^= 0x5a5a
	if err := writeCPUIDCache(path, k, marked); err != nil {
		t.Fatal(err)
	}
	if got, _ := cachedSupportedCPUID(sys); !slices.Equal(got, marked) {
		t.Fatal("the cached table for this boot was not used")
	}

	// One cached under another boot is not, and is replaced.
	stale := k
	stale.boot[0] ^= 1
	if err := writeCPUIDCache(path, stale, marked); err != nil {
		t.Fatal(err)
	}
	if got, _ := cachedSupportedCPUID(sys); !slices.Equal(got, want) {
		t.Fatal("a table of another boot was used")
	}
	if b, _ := os.ReadFile(path); !slices.Equal(mustDecode(t, b, k), want) {
		t.Fatal("the stale cache was not rewritten")
	}
}

func mustDecode(t *testing.T, b []byte, k cpuidKey) []kvm.CPUIDEntry {
	t.Helper()
	e, ok := decodeCPUIDCache(b, k)
	if !ok {
		t.Fatal("cache file does not decode")
	}
	return e
}
