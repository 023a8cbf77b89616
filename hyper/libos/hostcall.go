//go:build linux && amd64

package libos

import (
	"context"
	"encoding/binary"

	"nexusos/microvm/abi"
)

// HostCaller serves one NexusOS host ABI call (docs/abi.md): an operation
// and its request in, a response and an error number out. It is called
// from the calling thread's vCPU and must be safe for concurrent use;
// microvm.Dispatcher implements it, capability checks included.
type HostCaller interface {
	Call(ctx context.Context, op abi.Op, req []byte) ([]byte, abi.Errno)
}

// Reserved system-call numbers of the tier-2 host ABI transport. Linux
// answers ENOSYS for them, which is how an app learns it is not inside a
// tier-2 microVM. They mirror the tier-1 imports of module "nexus":
//
//	rax                 rdi  rsi      rdx      r10       r8        r9            result
//	SysNexusABIVersion  -    -        -        -         -         -             abi.Version
//	SysNexusCall        op   req_ptr  req_len  resp_ptr  resp_cap  resp_len_ptr  errno (>= 0)
//	SysNexusTake        ptr  len      -        -         -         -             errno (>= 0)
//
// SysNexusCall always stores the response length (u32, little endian) at
// resp_len_ptr and copies the response to resp_ptr if it fits in resp_cap
// bytes; otherwise the thread fetches it with SysNexusTake(ptr, len), with
// len exactly that length, before its next call. Results are abi.Errno
// values, never negative: a bad pointer is abi.ErrFault.
const (
	SysNexusABIVersion = 0x4e58_0000
	SysNexusCall       = 0x4e58_0001
	SysNexusTake       = 0x4e58_0002
)

func (p *Process) hostCall(ctx context.Context, t *thread, a [6]uint64) uint64 {
	op, reqPtr, reqLen, respPtr, respCap, respLenPtr := abi.Op(uint32(a[0])), a[1], a[2], a[3], a[4], a[5]
	t.pending = nil
	var n [4]byte
	// The length pointer is checked before any work, as on tier 1.
	if err := p.as.CopyIn(respLenPtr, n[:]); err != nil {
		return uint64(abi.ErrFault)
	}
	if reqLen > abi.MaxRequest {
		binary.LittleEndian.PutUint32(n[:], 0)
		p.as.CopyOut(respLenPtr, n[:])
		return uint64(abi.ErrTooLarge)
	}
	req := make([]byte, reqLen)
	if err := p.as.CopyIn(reqPtr, req); err != nil {
		return uint64(abi.ErrFault)
	}
	var resp []byte
	errno := abi.ErrNotAvailable
	if p.cfg.host != nil {
		resp, errno = p.cfg.host.Call(ctx, op, req)
	} else {
		resp = []byte("no NexusOS services are configured for this microVM")
	}
	if len(resp) > abi.MaxResponse {
		resp, errno = []byte("response too large"), abi.ErrTooLarge
	}
	binary.LittleEndian.PutUint32(n[:], uint32(len(resp)))
	if err := p.as.CopyOut(respLenPtr, n[:]); err != nil {
		return uint64(abi.ErrFault)
	}
	if uint64(len(resp)) <= respCap {
		if err := p.as.CopyOut(respPtr, resp); err != nil {
			return uint64(abi.ErrFault)
		}
		return uint64(errno)
	}
	t.pending = resp
	return uint64(errno)
}

func (p *Process) hostTake(t *thread, ptr, n uint64) uint64 {
	if t.pending == nil || uint64(len(t.pending)) != n {
		return uint64(abi.ErrNoResult)
	}
	if err := p.as.CopyOut(ptr, t.pending); err != nil {
		return uint64(abi.ErrFault)
	}
	t.pending = nil
	return uint64(abi.OK)
}
