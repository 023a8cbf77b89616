package tokenizer_test

import (
	"fmt"

	"nexusos/cortex/tokenizer"
)

// A tokenizer can be built from metadata without a file; FromGGUF does the
// same from a GGUF file's tokenizer.* keys.
func Example() {
	tk, err := tokenizer.New(tokenizer.Config{
		Model:   "llama", // SentencePiece-style
		Tokens:  []string{"<unk>", "<s>", "</s>", "▁", "▁h", "i", "▁hi"},
		Types:   []int32{2, 3, 3, 1, 1, 1, 1},
		Scores:  []float32{0, 0, 0, -1, -2, -3, -1.5},
		BOS:     1,
		EOS:     2,
		EOT:     -1,
		Unknown: 0,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ids := tk.Encode("hi", true, false)
	fmt.Println(ids, tk.Decode(ids[1:]))
	fmt.Printf("%q\n", tk.ApplyChatTemplate([]tokenizer.Message{{Role: "user", Content: "hi"}}, true))
	// Output:
	// [1 6] hi
	// "User: hi\nAssistant: "
}
