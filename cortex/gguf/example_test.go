package gguf_test

import (
	"bytes"
	"fmt"

	"nexusos/cortex/gguf"
)

func Example() {
	w := gguf.NewWriter()
	w.Set("general.architecture", "demo")
	w.Set("demo.block_count", uint32(2))
	w.Set("tokenizer.ggml.tokens", []string{"<s>", "hello"})
	w.AddTensor("norm.weight", gguf.TypeF32, []uint64{2}, make([]byte, 8))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		panic(err)
	}

	f, err := gguf.OpenBytes(buf.Bytes()) // gguf.Open(path) maps a file
	if err != nil {
		panic(err)
	}
	arch, _ := f.String("general.architecture")
	n, _ := f.Uint("demo.block_count")
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	t, _ := f.Tensor("norm.weight")
	data, _ := f.TensorData(t)
	fmt.Println(arch, n, toks, t.Type, t.Dims, len(data))
	// Output: demo 2 [<s> hello] F32 [2] 8
}
