//go:build linux && amd64

package hyper

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync/atomic"

	"nexusos/hyper/kvm"
)

// KVM_GET_SUPPORTED_CPUID makes the kernel execute CPUID for every leaf,
// and where CPUID traps to a hypervisor (a nested host like this one)
// that is about 0.3 ms of CPU: a process that runs one VM (`nexus run`)
// paid it every time. CacheCPUID names a file that keeps the table for
// the host's current boot and /dev/kvm, so later processes read it
// instead.
//
// The file (little endian):
//
//	+--------+---------+-----------------------------+---------+--------------------+--------+
//	| magic  | boot id | /dev/kvm dev, ino, ctime ns | entries | entries            | CRC-32 |
//	| 8 B    | 36 B    | 3 × 8 B                     | 4 B (n) | n × 40 B           | 4 B    |
//	+--------+---------+-----------------------------+---------+--------------------+--------+
//
// Each entry is a struct kvm_cpuid_entry2 (kvm.CPUIDEntry). The boot id
// (/proc/sys/kernel/random/boot_id) changes with every boot, so a new
// kernel or CPU; /dev/kvm's identity changes when the KVM module is
// reloaded (with other parameters, perhaps). A file that does not match
// both, has another length, or fails its CRC (IEEE, over everything
// before it) is ignored and rewritten. The table only says which
// features the guest is told of: a wrong one cannot reach beyond the VM.

var cpuidCacheMagic = [8]byte{'N', 'X', 'C', 'P', 'U', 'I', 'D', '1'}

// cpuidCacheFile is the file CacheCPUID named, nil for none.
var cpuidCacheFile atomic.Pointer[string]

// CacheCPUID makes the process keep KVM's supported-CPUID table in the
// file path, read instead of asking KVM when it matches this boot and
// /dev/kvm (its format is described in cpuidcache.go). Call it before
// the process's first VM or Available; "" turns the cache off. Errors
// writing the file are ignored: the table is then read from KVM again
// next time.
func CacheCPUID(path string) {
	if path == "" {
		cpuidCacheFile.Store(nil)
		return
	}
	cpuidCacheFile.Store(&path)
}

// cpuidKey identifies the boot and /dev/kvm a cached table is valid for.
type cpuidKey struct {
	boot              [36]byte
	dev, ino, ctimeNS uint64
}

// currentCPUIDKey returns the key of this boot and sys's /dev/kvm.
func currentCPUIDKey(sys *kvm.System) (cpuidKey, bool) {
	var k cpuidKey
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return k, false
	}
	b = bytes.TrimSpace(b)
	if len(b) != len(k.boot) {
		return k, false
	}
	copy(k.boot[:], b)
	st, err := sys.Stat()
	if err != nil {
		return k, false
	}
	k.dev, k.ino, k.ctimeNS = st.Dev, st.Ino, uint64(st.Ctim.Nano())
	return k, true
}

const (
	cpuidHeaderSize = 8 + 36 + 3*8 + 4
	cpuidEntrySize  = 40
	// maxCachedCPUID bounds the entries read from a cache file (the
	// kernel's table is fetched with room for 256).
	maxCachedCPUID = 256
)

// encodeCPUIDCache returns the cache file's bytes for entries under k.
func encodeCPUIDCache(k cpuidKey, entries []kvm.CPUIDEntry) []byte {
	b := make([]byte, 0, cpuidHeaderSize+len(entries)*cpuidEntrySize+4)
	b = append(b, cpuidCacheMagic[:]...)
	b = append(b, k.boot[:]...)
	b = binary.LittleEndian.AppendUint64(b, k.dev)
	b = binary.LittleEndian.AppendUint64(b, k.ino)
	b = binary.LittleEndian.AppendUint64(b, k.ctimeNS)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(entries)))
	for _, e := range entries {
		for _, v := range [7]uint32{e.Function, e.Index, e.Flags, e.EAX, e.EBX, e.ECX, e.EDX} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		b = append(b, make([]byte, 12)...) // padding
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// decodeCPUIDCache returns the entries of a cache file's bytes b when
// they are whole and were written under k.
func decodeCPUIDCache(b []byte, k cpuidKey) ([]kvm.CPUIDEntry, bool) {
	if len(b) < cpuidHeaderSize+4 || !bytes.Equal(b[:8], cpuidCacheMagic[:]) {
		return nil, false
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, false
	}
	le := binary.LittleEndian
	var got cpuidKey
	copy(got.boot[:], b[8:44])
	got.dev, got.ino, got.ctimeNS = le.Uint64(b[44:]), le.Uint64(b[52:]), le.Uint64(b[60:])
	n := int(le.Uint32(b[68:]))
	if got != k || n < 1 || n > maxCachedCPUID || len(body) != cpuidHeaderSize+n*cpuidEntrySize {
		return nil, false
	}
	entries := make([]kvm.CPUIDEntry, n)
	for i := range entries {
		p := body[cpuidHeaderSize+i*cpuidEntrySize:]
		entries[i] = kvm.CPUIDEntry{Function: le.Uint32(p), Index: le.Uint32(p[4:]), Flags: le.Uint32(p[8:]),
			EAX: le.Uint32(p[12:]), EBX: le.Uint32(p[16:]), ECX: le.Uint32(p[20:]), EDX: le.Uint32(p[24:])}
	}
	return entries, true
}

// readCPUIDCache returns the table cached at path for k, if any.
func readCPUIDCache(path string, k cpuidKey) ([]kvm.CPUIDEntry, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	// One read of at most the largest valid file, plus one byte to see
	// a longer one.
	b := make([]byte, cpuidHeaderSize+maxCachedCPUID*cpuidEntrySize+4+1)
	n, _ := f.Read(b)
	return decodeCPUIDCache(b[:n], k)
}

// writeCPUIDCache writes entries to path for k, through a temporary file
// renamed over it so that readers never see part of one.
func writeCPUIDCache(path string, k cpuidKey, entries []kvm.CPUIDEntry) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".kvm-cpuid-*")
	if err != nil {
		return err
	}
	_, err = f.Write(encodeCPUIDCache(k, entries))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// cachedSupportedCPUID is sys.SupportedCPUID through the file of
// CacheCPUID, when one is set.
func cachedSupportedCPUID(sys *kvm.System) ([]kvm.CPUIDEntry, error) {
	p := cpuidCacheFile.Load()
	if p == nil {
		return sys.SupportedCPUID()
	}
	k, ok := currentCPUIDKey(sys)
	if !ok {
		return sys.SupportedCPUID()
	}
	if e, ok := readCPUIDCache(*p, k); ok {
		return e, nil
	}
	e, err := sys.SupportedCPUID()
	if err == nil && len(e) > 0 && len(e) <= maxCachedCPUID {
		writeCPUIDCache(*p, k, e) // best effort: see CacheCPUID
	}
	return e, err
}
