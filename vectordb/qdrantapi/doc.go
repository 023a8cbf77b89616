// Package qdrantapi holds the shared logic of the Qdrant REST and gRPC
// servers (packages rest and grpcapi below it): grouped search and facet
// counts, built on the calls of vectordb.DB; the distance matrix (both
// servers serve it); the check of quantization configs
// (ParseQuantization), so both accept and reject the same ones; and the
// Qdrant versions the two servers report. What it returns is
// transport-independent: each server validates its own requests,
// converts the results to its wire format and maps engine errors to its
// own codes.
//
// Its functions are safe for concurrent use, as vectordb.DB is.
package qdrantapi

// The Qdrant versions the servers report (REST at GET /, gRPC in
// HealthCheck), so that official clients' compatibility checks pass. They
// differ on purpose: the REST server implements openapi v1.19.0 and says
// so, while the official Go client v1.17.1 (github.com/qdrant/go-client,
// the gRPC client memex uses and the grpcapi tests run) warns when the
// server's minor version is more than one away from its own, so the gRPC
// server reports the client's version. v1.17.1 is the newest go-client
// release the module proxy serves (checked 2026-12-07), so gRPC cannot
// follow REST to 1.19 without the client warning.
const (
	RESTVersion = "1.19.0"
	GRPCVersion = "1.17.1"
)
