//go:build !wasip1 && !(linux && amd64)

package nexus

import "nexusos/abi"

// Outside a microVM there is no host to call: every call reports
// ErrNotAvailable.
func transport(op abi.Op, _ []byte) ([]byte, abi.Errno) {
	return []byte("not running inside a NexusOS microVM"), abi.ErrNotAvailable
}

// ABIVersion returns the ABI version the host speaks: 0 outside a microVM.
func ABIVersion() int { return 0 }
