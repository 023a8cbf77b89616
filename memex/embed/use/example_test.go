package use_test

import (
	"fmt"
	"log"

	"nexusos/memex/embed/use"
)

// Open the model where .ci/deps.d/55-use-model.sh put it (or where
// $NEXUS_USE_MODEL_DIR points) and compare two sentences.
func Example() {
	m, err := use.Open(use.DefaultDir())
	if err != nil {
		log.Fatal(err)
	}
	a := m.Embed("How do plants turn sunlight into sugar?")
	b := m.Embed("photosynthesis in green leaves")
	var cos float32
	for i := range a {
		cos += a[i] * b[i]
	}
	fmt.Printf("%s, %d dimensions, cosine %.2f\n", m.Name(), m.Dim(), cos)
}
