//go:build !amd64 || purego

package distance

const int8Impl = "generic"

func dotU8I8Impl(a []uint8, b []int8) int32 { return dotU8I8Generic(a, b) }

func dotU8I8BatchImpl(a []uint8, bs [][]int8, out []int32) {
	for i, b := range bs {
		out[i] = dotU8I8Generic(a, b)
	}
}
