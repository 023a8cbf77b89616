//go:build !amd64 || purego

package bitnet

const haveF16Asm = false

func dotF16Fast(w []uint16, x []float32) float32 { return dotF16(w, x) }

func axpyF16(dst []float32, v []uint16, a float32) { axpyF16Ref(dst, v, a) }

func toF16(dst []uint16, src []float32) { toF16Ref(dst[:len(src)], src) }

func roundF16(x []float32) { roundF16Ref(x) }

func swiglu(g, u []float32) { swigluRef(g, u) }
