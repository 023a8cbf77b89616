// Package grpcapi serves Qdrant's gRPC API over the embedded engine in
// package vectordb: the services qdrant.Qdrant (HealthCheck),
// qdrant.Collections, qdrant.Points and qdrant.Snapshots, as defined by the
// official Go client module github.com/qdrant/go-client, plus the standard
// grpc.health.v1.Health service and server reflection, as Qdrant serves
// them.
//
// Requests are validated and translated into vectordb calls by the
// converters in this package (convert_*.go); vectordb errors become gRPC
// status codes carrying Qdrant's message text (see statusError). Grouped
// search (QueryGroups, SearchGroups, RecommendGroups), facet counts and the
// distance matrix (SearchMatrixPairs, SearchMatrixOffsets) are built on
// the engine's calls by package qdrantapi, which the REST server shares;
// UpdateBatch is built in this layer. Methods that depend on cluster
// features (shards, replication, full snapshots), on server-side
// inference (documents, images) or on query kinds the engine lacks
// (discover, context, formula, MMR, random sampling, RRF with k or weights,
// conditional upserts) answer codes.Unimplemented with a message that names
// the feature.
//
// See ExampleNewServer for serving a DB and querying it with the official
// client.
//
// # Differences from Qdrant
//
//   - Payload numbers are JSON numbers in the engine: integers are exact up
//     to 2^53, and a double with an integral value (3.0) comes back as an
//     integer value.
//   - Vectors are returned in the VectorOutput oneof (dense, sparse), not
//     in the deprecated data/indices fields; both are accepted as input.
//   - Quantization configs (collection-wide and per vector, in create,
//     update with Disabled, and collection info) are applied exactly as
//     the REST API applies its quantization_config: both check them with
//     qdrantapi.ParseQuantization and hand the engine the same JSON.
//   - Datatype, sharding, replication, WAL and optimizer settings are
//     accepted and ignored; the collection info reports one shard and one
//     replica.
//   - UpdateBatch validates every operation before applying the first, so
//     a malformed batch changes nothing; applied operations are not rolled
//     back when a later one fails in the engine (as in Qdrant).
//
// # Limits
//
// Messages are bounded by MaxRecvMsgSize; filters by depth (32), condition
// count (10,000) and listed values (ids, match values: 10,000 per
// condition, 100,000 per filter); payloads by nesting (64); prefetches by
// depth (8) and count (64); limits and offsets by 2^20; batches by 1,024
// requests. Exceeding a bound is codes.InvalidArgument, or
// codes.ResourceExhausted for the message size.
//
// # Authentication
//
// With an API key, every call (health checks included, as in Qdrant) must
// carry it as "api-key" metadata or "authorization: Bearer KEY", by the
// rules of package access (scheme in any case, space trimmed, two keys
// that differ refused); otherwise it fails with codes.Unauthenticated and
// Qdrant's message.
//
// The server returned by NewServer is safe for concurrent use.
package grpcapi
