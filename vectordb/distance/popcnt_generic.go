//go:build !amd64 || purego

package distance

const popcntImpl = "generic"

func xorPopcntBatchImpl(a []uint64, bs [][]uint64, out []int32) {
	xorPopcntBatchGeneric(a, bs, out)
}

func xorPopcntPlanesBatchImpl(planes []uint64, nplanes int, bs [][]uint64, out []int32) {
	xorPopcntPlanesBatchGeneric(planes, nplanes, bs, out)
}
