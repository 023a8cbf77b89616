package use_test

import (
	"nexusos/memex/embed"
	"nexusos/memex/embed/use"
)

// A Model is a MemexFS embedder with a relevance cutoff.
var _ embed.Calibrated = (*use.Model)(nil)
