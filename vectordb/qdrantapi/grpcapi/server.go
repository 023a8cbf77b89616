// Package grpcapi serves Qdrant's gRPC API over the embedded engine in
// package vectordb: the services qdrant.Qdrant (HealthCheck),
// qdrant.Collections, qdrant.Points and qdrant.Snapshots, as defined by the
// official Go client module github.com/qdrant/go-client, plus the standard
// grpc.health.v1.Health service that Qdrant also serves.
//
// Requests are validated and translated into vectordb calls by the
// converters in this package (convert_*.go); vectordb errors become gRPC
// status codes carrying Qdrant's message text (see statusError). Methods
// that depend on cluster features (shards, replication), on server-side
// inference (documents, images) or on query kinds the engine lacks (discover,
// context, formula, MMR, grouping, facets) answer codes.Unimplemented with a
// message that names the feature.
//
// Usage:
//
//	db, _ := vectordb.Open(dir, vectordb.Options{})
//	srv := grpcapi.NewServer(db, apiKey)
//	lis, _ := net.Listen("tcp", "127.0.0.1:6334")
//	go srv.Serve(lis)
//	defer srv.GracefulStop()
//
// The server returned by NewServer is safe for concurrent use.
package grpcapi

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // Qdrant clients may send gzip-compressed messages.
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"nexusos/vectordb"
)

// MaxRecvMsgSize bounds one incoming gRPC message after decompression
// (32 MiB, Qdrant's default service.max_request_size_mb).
const MaxRecvMsgSize = 32 << 20

// MaxSendMsgSize bounds one outgoing message (a large scroll page with
// vectors); clients default to a 4 MiB receive limit, Qdrant's to larger.
const MaxSendMsgSize = 128 << 20

// Title and Version are what HealthCheck reports. Version is the Qdrant
// API version this package implements, so that official clients' version
// checks pass.
const (
	Title   = "qdrant - vector search engine"
	Version = "1.17.1"
)

// NewServer returns a gRPC server with Qdrant's services registered over db.
// When apiKey is non-empty, every call must carry it in the "api-key"
// metadata (or as "authorization: Bearer KEY"); otherwise the call fails
// with codes.Unauthenticated, as Qdrant's does. The caller serves it
// (grpc.Server.Serve) and stops it; db stays owned by the caller.
func NewServer(db *vectordb.DB, apiKey string) *grpc.Server {
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.ChainUnaryInterceptor(recoverInterceptor),
	}
	if apiKey != "" {
		opts = append(opts, grpc.ChainUnaryInterceptor(apiKeyInterceptor(apiKey)))
	}
	s := grpc.NewServer(opts...)
	qdrant.RegisterQdrantServer(s, qdrantService{})
	qdrant.RegisterCollectionsServer(s, &collectionsService{db: db})
	qdrant.RegisterPointsServer(s, &pointsService{db: db})
	qdrant.RegisterSnapshotsServer(s, &snapshotsService{db: db})
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	return s
}

// apiKeyInterceptor rejects calls that do not carry key. The comparison is
// in constant time.
func apiKeyInterceptor(key string) grpc.UnaryServerInterceptor {
	want := []byte(key)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		got, ok := "", false
		if v := md.Get("api-key"); len(v) > 0 {
			got, ok = v[0], true
		} else if v := md.Get("authorization"); len(v) > 0 && strings.HasPrefix(v[0], "Bearer ") {
			got, ok = strings.TrimPrefix(v[0], "Bearer "), true
		}
		if !ok {
			return nil, status.Error(codes.Unauthenticated, "Must provide an API key or an Authorization bearer token")
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			return nil, status.Error(codes.Unauthenticated, "Invalid API key or JWT")
		}
		return handler(ctx, req)
	}
}

type qdrantService struct {
	qdrant.UnimplementedQdrantServer
}

func (qdrantService) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: Title, Version: Version}, nil
}
