package cortex_test

import (
	"context"
	"fmt"

	"nexusos/cortex"
)

func ExampleModel_GenerateTokens() {
	m, err := cortex.Load("testdata/bitnet-tiny-tq2_0.gguf", cortex.LoadOptions{})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	prompt := []int{1, 302, 415, 17, 88, 263, 499, 140, 3, 77, 351, 259, 402, 68, 211, 330, 45, 481, 126, 299, 9, 384, 172, 450}
	var ids []int
	_, err = m.GenerateTokens(context.Background(), prompt, cortex.GenerateOptions{
		MaxTokens: 4,
		IgnoreEOS: true,
		OnToken:   func(t cortex.Token) error { ids = append(ids, t.ID); return nil },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(ids)
	// Output: [176 67 478 320]
}

func ExampleEmbedder() {
	e, err := cortex.LoadEmbedder("testdata/qwen3-embed-tiny-i2_s.gguf", cortex.EmbedOptions{})
	if err != nil {
		panic(err)
	}
	defer e.Close()
	vecs, err := e.Embed(context.Background(), []string{"query: What is BitNet?", "BitNet uses ternary weights."})
	if err != nil {
		panic(err)
	}
	var cos float32
	for i := range vecs[0] {
		cos += vecs[0][i] * vecs[1][i]
	}
	fmt.Println(e.Dim(), len(vecs), cos > -1 && cos < 1)
	// Output: 128 2 true
}
