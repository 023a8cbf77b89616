package wasm

import (
	"context"
	"encoding/binary"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"nexusos/abi"
	"nexusos/microvm"
)

// vmKey is the context key of the running microVM's *vmState. wazero hands
// host functions the context the guest was started with, which is how one
// shared host module serves many microVMs.
type vmKey struct{}

// vmState is the host side of one microVM's ABI transport. A WebAssembly
// instance runs on one goroutine, so it needs no lock.
type vmState struct {
	disp *microvm.Dispatcher
	// pending is a response too large for the guest's buffer, held for take.
	pending    []byte
	hasPending bool
}

// instantiateHost defines import module "nexus" (docs/abi.md, "Tier 1").
// The functions use wazero's stack-based API: no reflection per call.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	i32 := api.ValueTypeI32
	_, err := rt.NewHostModuleBuilder(abi.ModuleName).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostCall), []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("op", "req_ptr", "req_len", "resp_ptr", "resp_cap", "resp_len_ptr").
		Export(abi.FuncCall).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostTake), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("ptr", "len").
		Export(abi.FuncTake).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostABIVersion), nil, []api.ValueType{i32}).
		Export(abi.FuncABIVersion).
		Instantiate(ctx)
	return err
}

func hostABIVersion(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = abi.Version
}

// hostCall: call(op, req_ptr, req_len, resp_ptr, resp_cap, resp_len_ptr) -> errno.
// It always stores the response length at resp_len_ptr; the response (or
// error message) is copied to resp_ptr when it fits in resp_cap, else held
// for take.
func hostCall(ctx context.Context, m api.Module, stack []uint64) {
	op := abi.Op(uint32(stack[0]))
	reqPtr, reqLen := uint32(stack[1]), uint32(stack[2])
	respPtr, respCap, respLenPtr := uint32(stack[3]), uint32(stack[4]), uint32(stack[5])
	vm, _ := ctx.Value(vmKey{}).(*vmState)
	mem := m.Memory()
	if vm == nil || mem == nil {
		stack[0] = uint64(abi.ErrNotAvailable)
		return
	}
	vm.pending, vm.hasPending = nil, false
	if reqLen > abi.MaxRequest {
		stack[0] = uint64(abi.ErrTooLarge)
		return
	}
	// Validate every pointer before doing any work.
	req, ok := mem.Read(reqPtr, reqLen)
	if !ok {
		stack[0] = uint64(abi.ErrFault)
		return
	}
	lenBuf, ok := mem.Read(respLenPtr, 4)
	if !ok {
		stack[0] = uint64(abi.ErrFault)
		return
	}
	if _, ok := mem.Read(respPtr, respCap); !ok {
		stack[0] = uint64(abi.ErrFault)
		return
	}
	resp, errno := vm.disp.Call(ctx, op, req)
	binary.LittleEndian.PutUint32(lenBuf, uint32(len(resp)))
	if uint32(len(resp)) <= respCap {
		if len(resp) > 0 {
			mem.Write(respPtr, resp)
		}
	} else {
		vm.pending, vm.hasPending = resp, true
	}
	stack[0] = uint64(errno)
}

// hostTake: take(ptr, len) -> errno copies the held response, whose length
// call reported, to ptr. len must equal that length.
func hostTake(ctx context.Context, m api.Module, stack []uint64) {
	ptr, n := uint32(stack[0]), uint32(stack[1])
	vm, _ := ctx.Value(vmKey{}).(*vmState)
	if vm == nil || !vm.hasPending || uint32(len(vm.pending)) != n {
		stack[0] = uint64(abi.ErrNoResult)
		return
	}
	if !m.Memory().Write(ptr, vm.pending) {
		stack[0] = uint64(abi.ErrFault)
		return
	}
	vm.pending, vm.hasPending = nil, false
	stack[0] = uint64(abi.OK)
}
