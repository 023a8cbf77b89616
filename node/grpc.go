package node

import (
	"log/slog"

	"nexusos/vectordb"
)

// serveGRPC starts Qdrant's gRPC API. It returns a stop function and the
// bound address, or a nil stop when the gRPC API is not available.
//
// TODO(issue 2): call grpcapi.NewServer once package
// vectordb/qdrantapi/grpcapi compiles.
func serveGRPC(db *vectordb.DB, cfg Config, log *slog.Logger, errc chan<- error) (stop func(), addr string, err error) {
	log.Warn("TODO: Qdrant gRPC API not wired yet (package vectordb/qdrantapi/grpcapi under construction)", "addr", cfg.QdrantGRPC)
	return nil, "", nil
}
