package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // Qdrant clients may send gzip-compressed messages.
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"nexusos/access"
	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// MaxRecvMsgSize bounds one incoming gRPC message after decompression
// (32 MiB, Qdrant's default service.max_request_size_mb).
const MaxRecvMsgSize = 32 << 20

// MaxSendMsgSize bounds one outgoing message (a large scroll page with
// vectors); clients default to a 4 MiB receive limit, Qdrant's to larger.
const MaxSendMsgSize = 128 << 20

// maxConcurrentStreams bounds the calls in flight on one connection.
const maxConcurrentStreams = 256

// Title and Version are what HealthCheck reports. Version is the Qdrant
// version official clients' version checks accept; see
// qdrantapi.GRPCVersion for why it is not the REST server's.
const (
	Title   = "qdrant - vector search engine"
	Version = qdrantapi.GRPCVersion
)

// NewServer returns a gRPC server with Qdrant's services registered over db.
// When apiKey is non-empty, every call must carry it in the "api-key"
// metadata or as "authorization: Bearer KEY" (the rules of package
// access); otherwise the call fails with codes.Unauthenticated, as
// Qdrant's does. The caller serves it
// (grpc.Server.Serve) and stops it; db stays owned by the caller.
func NewServer(db *vectordb.DB, apiKey string) *grpc.Server {
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxRecvMsgSize),
		grpc.MaxSendMsgSize(MaxSendMsgSize),
		grpc.MaxConcurrentStreams(maxConcurrentStreams),
		// Official clients ping every 10 s even when idle (Config.KeepAliveTime);
		// grpc-go's default policy (5 min) would answer with GOAWAY
		// "too_many_pings" and drop their connections.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(recoverInterceptor),
	}
	if apiKey != "" {
		check := apiKeyCheck(apiKey)
		opts = append(opts,
			grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
				if err := check(ctx); err != nil {
					return nil, err
				}
				return handler(ctx, req)
			}),
			// Streams (server reflection) are guarded too.
			grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
				if err := check(ss.Context()); err != nil {
					return err
				}
				return handler(srv, ss)
			}))
	}
	s := grpc.NewServer(opts...)
	qdrant.RegisterQdrantServer(s, qdrantService{})
	qdrant.RegisterCollectionsServer(s, &collectionsService{db: db})
	qdrant.RegisterPointsServer(s, &pointsService{db: db})
	qdrant.RegisterSnapshotsServer(s, &snapshotsService{db: db})
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	// Server reflection, as Qdrant serves it, lets grpcurl and similar
	// tools list and call the services without the .proto files.
	reflection.Register(s)
	return s
}

// apiKeyCheck returns a check that rejects calls whose metadata does not
// carry key, by the rules of package access.
func apiKeyCheck(key string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		md, _ := metadata.FromIncomingContext(ctx)
		switch err := access.CheckMetadata(key, md); err {
		case nil:
			return nil
		case access.ErrNoKey:
			return status.Error(codes.Unauthenticated, "Must provide an API key or an Authorization bearer token")
		case access.ErrKeysDisagree:
			return status.Error(codes.Unauthenticated, "Invalid API key or JWT: the api-key metadata and the authorization bearer token differ")
		default:
			return status.Error(codes.Unauthenticated, "Invalid API key or JWT")
		}
	}
}

type qdrantService struct {
	qdrant.UnimplementedQdrantServer
}

func (qdrantService) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: Title, Version: Version}, nil
}
