//go:build !purego

package distance

import "golang.org/x/sys/cpu"

//go:generate sh -c "cd _asm && go run . -out ../distance_amd64.s"

// The assembly kernels read n elements from a and b; the batch kernels
// read dim elements from q and from each of the n slices at vs. Callers
// guarantee the lengths.

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func l2AVX512(a, b *float32, n int) float32

//go:noescape
func l1AVX512(a, b *float32, n int) float32

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func l2AVX2(a, b *float32, n int) float32

//go:noescape
func l1AVX2(a, b *float32, n int) float32

//go:noescape
func dotBatchAVX512(q *float32, vs *[]float32, n, dim int, out *float32)

//go:noescape
func l2BatchAVX512(q *float32, vs *[]float32, n, dim int, out *float32)

//go:noescape
func l1BatchAVX512(q *float32, vs *[]float32, n, dim int, out *float32)

//go:noescape
func dotBatchAVX2(q *float32, vs *[]float32, n, dim int, out *float32)

//go:noescape
func l2BatchAVX2(q *float32, vs *[]float32, n, dim int, out *float32)

//go:noescape
func l1BatchAVX2(q *float32, vs *[]float32, n, dim int, out *float32)

type (
	pairKernel  func(a, b *float32, n int) float32
	batchKernel func(q *float32, vs *[]float32, n, dim int, out *float32)
)

var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	impl      = "generic"

	dotKernel, l2Kernel, l1Kernel pairKernel
	dotBatch, l2Batch, l1Batch    batchKernel
)

func init() {
	switch {
	case useAVX512:
		impl = "avx512"
		dotKernel, l2Kernel, l1Kernel = dotAVX512, l2AVX512, l1AVX512
		dotBatch, l2Batch, l1Batch = dotBatchAVX512, l2BatchAVX512, l1BatchAVX512
	case useAVX2:
		impl = "avx2"
		dotKernel, l2Kernel, l1Kernel = dotAVX2, l2AVX2, l1AVX2
		dotBatch, l2Batch, l1Batch = dotBatchAVX2, l2BatchAVX2, l1BatchAVX2
	}
}

func dotImpl(a, b []float32) float32 {
	if dotKernel == nil || len(a) == 0 {
		return dotGeneric(a, b)
	}
	return dotKernel(&a[0], &b[0], len(a))
}

func l2Impl(a, b []float32) float32 {
	if l2Kernel == nil || len(a) == 0 {
		return l2Generic(a, b)
	}
	return l2Kernel(&a[0], &b[0], len(a))
}

func l1Impl(a, b []float32) float32 {
	if l1Kernel == nil || len(a) == 0 {
		return l1Generic(a, b)
	}
	return l1Kernel(&a[0], &b[0], len(a))
}

func dotBatchImpl(q []float32, vs [][]float32, out []float32) {
	runBatch(dotBatch, dotGeneric, q, vs, out)
}

func l2BatchImpl(q []float32, vs [][]float32, out []float32) {
	runBatch(l2Batch, l2Generic, q, vs, out)
}

func l1BatchImpl(q []float32, vs [][]float32, out []float32) {
	runBatch(l1Batch, l1Generic, q, vs, out)
}

func runBatch(k batchKernel, ref func(a, b []float32) float32, q []float32, vs [][]float32, out []float32) {
	if len(vs) == 0 {
		return
	}
	if k == nil || len(q) == 0 {
		batchGeneric(ref, q, vs, out)
		return
	}
	k(&q[0], &vs[0], len(vs), len(q), &out[0])
}
