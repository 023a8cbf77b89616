package node

import (
	"fmt"
	"log/slog"
	"net"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/grpcapi"
)

// serveGRPC starts Qdrant's gRPC API on cfg.QdrantGRPC. It returns a
// function that stops the server gracefully and the bound address; serve
// errors are sent to errc.
func serveGRPC(db *vectordb.DB, cfg Config, log *slog.Logger, errc chan<- error) (stop func(), addr string, err error) {
	ln, err := net.Listen("tcp", cfg.QdrantGRPC)
	if err != nil {
		return nil, "", fmt.Errorf("listen for qdrant-grpc on %s: %w", cfg.QdrantGRPC, err)
	}
	srv := grpcapi.NewServer(db, cfg.APIKey)
	go func() {
		if err := srv.Serve(ln); err != nil {
			errc <- fmt.Errorf("qdrant-grpc server: %w", err)
		}
	}()
	addr = ln.Addr().String()
	log.Info("listening", "api", "qdrant-grpc", "addr", addr)
	return srv.GracefulStop, addr, nil
}
