//go:build !amd64 || purego

package distance

const int8Impl = "generic"

func dotU8I8Impl(a []uint8, b []int8) int32 { return dotU8I8Generic(a, b) }
