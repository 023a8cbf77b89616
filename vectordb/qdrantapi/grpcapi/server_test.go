package grpcapi

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

func TestHealthCheck(t *testing.T) {
	ts := startServer(t, "", "")
	r, err := ts.client.HealthCheck(bg)
	must(t, "health check", err)
	if r.GetTitle() != Title || r.GetVersion() != Version {
		t.Errorf("health check = %q %q, want %q %q", r.GetTitle(), r.GetVersion(), Title, Version)
	}
	h, err := healthpb.NewHealthClient(ts.client.GetConnection()).Check(bg, &healthpb.HealthCheckRequest{})
	must(t, "grpc health", err)
	if h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("grpc health = %v", h.GetStatus())
	}
}

func TestAPIKey(t *testing.T) {
	tests := []struct {
		name, clientKey string
		code            codes.Code
		msg             string
	}{
		{"missing", "", codes.Unauthenticated, "Must provide an API key"},
		{"wrong", "nope", codes.Unauthenticated, "Invalid API key"},
		{"right", "s3cret", codes.OK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, "s3cret", tc.clientKey)
			_, err := ts.client.HealthCheck(bg)
			if codeOf(err) != tc.code && !(tc.code == codes.OK && err == nil) {
				t.Fatalf("health check: got %v, want %v", err, tc.code)
			}
			if !strings.Contains(messageOf(err), tc.msg) {
				t.Errorf("message %q does not contain %q", messageOf(err), tc.msg)
			}
			_, err = ts.client.ListCollections(bg)
			if (err == nil) != (tc.code == codes.OK) {
				t.Errorf("list collections: got %v, want %v", err, tc.code)
			}
		})
	}
}

func TestUnimplementedMethods(t *testing.T) {
	ts := startServer(t, "", "")
	pc := ts.client.GetPointsClient()
	checks := map[string]error{}
	_, checks["Discover"] = pc.Discover(bg, &qdrant.DiscoverPoints{CollectionName: "c"})
	_, checks["DiscoverBatch"] = pc.DiscoverBatch(bg, &qdrant.DiscoverBatchPoints{CollectionName: "c"})
	_, checks["RRF with k"] = ts.client.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQueryRRF(&qdrant.Rrf{K: qdrant.PtrOf(uint32(10))})})
	_, checks["CreateFullSnapshot"] = ts.client.CreateFullSnapshot(bg)
	_, checks["ListShardKeys"] = ts.client.ListShardKeys(bg, "c")
	_, checks["QueryDiscover"] = ts.client.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQueryDiscover(&qdrant.DiscoverInput{})})
	for name, err := range checks {
		if codeOf(err) != codes.Unimplemented || !strings.Contains(messageOf(err), "Not supported by this server") {
			t.Errorf("%s: got %v, want Unimplemented with an explanation", name, err)
		}
	}
}

// TestRequestValidation checks that malformed requests are rejected before
// they reach the engine.
func TestRequestValidation(t *testing.T) {
	ts := startServer(t, "", "")
	pc := ts.client.GetPointsClient()
	tests := []struct {
		name string
		call func() error
		code codes.Code
		msg  string
	}{
		{"bad uuid", func() error {
			_, err := ts.client.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Points: []*qdrant.PointStruct{{Id: qdrant.NewIDUUID("zzz"), Vectors: qdrant.NewVectors(1)}}})
			return err
		}, codes.InvalidArgument, "Unable to parse UUID"},
		{"missing id", func() error {
			_, err := ts.client.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Points: []*qdrant.PointStruct{{Vectors: qdrant.NewVectors(1)}}})
			return err
		}, codes.InvalidArgument, "point id is empty"},
		{"empty collection name", func() error {
			_, err := ts.client.Count(bg, &qdrant.CountPoints{})
			return err
		}, codes.InvalidArgument, "must not be empty"},
		{"search limit 0", func() error {
			_, err := pc.Search(bg, &qdrant.SearchPoints{CollectionName: "c", Vector: []float32{1}})
			return err
		}, codes.InvalidArgument, "limit"},
		{"empty condition", func() error {
			_, err := ts.client.Count(bg, &qdrant.CountPoints{CollectionName: "c", Filter: &qdrant.Filter{Must: []*qdrant.Condition{{}}}})
			return err
		}, codes.InvalidArgument, "condition is empty"},
		{"geo filter", func() error {
			_, err := ts.client.Count(bg, &qdrant.CountPoints{CollectionName: "c", Filter: &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewGeoRadius("l", 0, 0, 1)}}})
			return err
		}, codes.Unimplemented, "geo"},
		{"delete without selector", func() error {
			_, err := ts.client.Delete(bg, &qdrant.DeletePoints{CollectionName: "c"})
			return err
		}, codes.InvalidArgument, "points selector is required"},
		{"zero vector size", func() error {
			return ts.client.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "c", VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 0, Distance: qdrant.Distance_Cosine})})
		}, codes.InvalidArgument, "vector size"},
		{"unknown distance", func() error {
			return ts.client.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "c", VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4})})
		}, codes.InvalidArgument, "distance"},
		{"oversized message", func() error {
			big := make([]float32, MaxRecvMsgSize/4+1)
			_, err := ts.client.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectorsDense(big)}}})
			return err
		}, codes.ResourceExhausted, "larger than max"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if codeOf(err) != tc.code || !strings.Contains(messageOf(err), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestBearerTokenAndGzip(t *testing.T) {
	ts := startServer(t, "s3cret", "")
	qc := qdrant.NewQdrantClient(ts.client.GetConnection())
	ctx := metadata.AppendToOutgoingContext(bg, "authorization", "Bearer s3cret")
	r, err := qc.HealthCheck(ctx, &qdrant.HealthCheckRequest{}, grpc.UseCompressor(gzip.Name))
	must(t, "health check with bearer token and gzip", err)
	if r.GetTitle() != Title {
		t.Errorf("title = %q", r.GetTitle())
	}
	ctx = metadata.AppendToOutgoingContext(bg, "authorization", "Bearer wrong")
	if _, err := qc.HealthCheck(ctx, &qdrant.HealthCheckRequest{}); codeOf(err) != codes.Unauthenticated {
		t.Errorf("wrong bearer token: %v", err)
	}
}

func TestReflection(t *testing.T) {
	ts := startServer(t, "", "")
	stream, err := reflectionpb.NewServerReflectionClient(ts.client.GetConnection()).ServerReflectionInfo(bg)
	must(t, "reflection stream", err)
	must(t, "send", stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}))
	resp, err := stream.Recv()
	must(t, "recv", err)
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{"qdrant.Qdrant", "qdrant.Collections", "qdrant.Points", "qdrant.Snapshots", "grpc.health.v1.Health"} {
		if !slices.Contains(names, want) {
			t.Errorf("reflection lists %v, missing %s", names, want)
		}
	}
	must(t, "send", stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "qdrant.Points"}}))
	resp, err = stream.Recv()
	must(t, "recv", err)
	if len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Errorf("no descriptor for qdrant.Points: %v", resp)
	}
}

func TestReflectionNeedsAPIKey(t *testing.T) {
	ts := startServer(t, "s3cret", "")
	stream, err := reflectionpb.NewServerReflectionClient(ts.client.GetConnection()).ServerReflectionInfo(bg)
	if err == nil {
		_ = stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
		_, err = stream.Recv()
	}
	if codeOf(err) != codes.Unauthenticated {
		t.Errorf("reflection without key: %v, want Unauthenticated", err)
	}
}

// TestClientVersionCheck checks the reported version with the official
// client's own compatibility rule, for the client version in go.mod.
// (NewClient runs that check itself, but a test binary carries no module
// versions, so there it always reports "Unknown".)
func TestClientVersionCheck(t *testing.T) {
	ts := startServer(t, "", "")
	r, err := ts.client.HealthCheck(bg)
	must(t, "health check", err)
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(old)
	if !qdrant.IsCompatible("v1.17.1", r.GetVersion()) {
		t.Errorf("client v1.17.1 does not accept server version %q: %s", r.GetVersion(), buf.String())
	}
}
