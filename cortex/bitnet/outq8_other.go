//go:build !amd64 || purego

package bitnet

const haveVNNI = false

func dotU8S8(a []uint8, w []int8) int32 { return dotU8S8Ref(a, w) }
