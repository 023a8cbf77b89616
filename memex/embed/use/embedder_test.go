package use_test

import (
	"nexusos/memex/embed"
	"nexusos/memex/embed/use"
)

// A Model is a MemexFS embedder with relevance cutoffs.
var _ embed.LateCalibrated = (*use.Model)(nil)
