package grpcapi

import (
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// TestAPIKeyRules checks the key rules of package access over gRPC
// metadata: codes.Unauthenticated with Qdrant's messages.
func TestAPIKeyRules(t *testing.T) {
	ts := startServer(t, "s3cret", "")
	qc := qdrant.NewQdrantClient(ts.client.GetConnection())
	for _, tc := range []struct {
		name string
		md   []string // key, value, …
		msg  string   // "" when the call passes
	}{
		{"none", nil, "Must provide an API key"},
		{"api-key", []string{"api-key", "s3cret"}, ""},
		{"api-key wrong", []string{"api-key", "nope"}, "Invalid API key"},
		{"api-key spaced", []string{"api-key", " s3cret "}, ""},
		{"bearer", []string{"authorization", "Bearer s3cret"}, ""},
		{"bearer lower case", []string{"authorization", "bearer s3cret"}, ""},
		{"bearer upper case, spaced", []string{"authorization", "BEARER  s3cret "}, ""},
		{"bearer wrong", []string{"authorization", "Bearer nope"}, "Invalid API key"},
		{"basic is no key", []string{"authorization", "Basic s3cret"}, "Must provide an API key"},
		{"both agree", []string{"api-key", "s3cret", "authorization", "Bearer s3cret"}, ""},
		{"both disagree, api-key right", []string{"api-key", "s3cret", "authorization", "Bearer nope"}, "differ"},
		{"both disagree, bearer right", []string{"api-key", "nope", "authorization", "Bearer s3cret"}, "differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := metadata.AppendToOutgoingContext(bg, tc.md...)
			_, err := qc.HealthCheck(ctx, &qdrant.HealthCheckRequest{})
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("health check: %v", err)
				}
				return
			}
			if codeOf(err) != codes.Unauthenticated || !strings.Contains(messageOf(err), tc.msg) {
				t.Errorf("health check: %v, want Unauthenticated with %q", err, tc.msg)
			}
		})
	}
}
