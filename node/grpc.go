package node

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/grpcapi"
)

// serveGRPC starts Qdrant's gRPC API on cfg.QdrantGRPC. It returns a
// function that stops the server (gracefully, then hard after 5 seconds)
// and the bound address; serve errors are sent to errc.
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
	stop = func() {
		done := make(chan struct{})
		go func() {
			srv.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			log.Warn("qdrant-grpc: calls still running after 5s, stopping hard")
			srv.Stop()
		}
	}
	return stop, addr, nil
}
