//go:build linux && amd64

package libos

import (
	"context"
	"encoding/binary"

	"nexusos/abi"
)

// HostCaller serves one NexusOS host ABI call (docs/abi.md): an operation
// and its request in, a response and an error number out. It is called
// from the calling thread's vCPU and must be safe for concurrent use;
// microvm.Dispatcher implements it, capability checks included.
type HostCaller interface {
	Call(ctx context.Context, op abi.Op, req []byte) ([]byte, abi.Errno)
}

// hostCall serves abi.SysNexusCall (package abi documents the registers).
// A response larger than resp_cap waits in t.pending for the thread's
// abi.SysNexusTake, served by hostTake.
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
