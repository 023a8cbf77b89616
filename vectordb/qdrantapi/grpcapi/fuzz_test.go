package grpcapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"
)

// FuzzFilterFromProto feeds arbitrary wire bytes decoded as a qdrant.Filter
// to the converter. Whatever it accepts must survive vectordb → proto →
// vectordb unchanged; whatever it rejects must be rejected with a status.
func FuzzFilterFromProto(f *testing.F) {
	for _, pf := range roundTripFilters() {
		b, err := proto.Marshal(pf)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pf qdrant.Filter
		if err := proto.Unmarshal(b, &pf); err != nil {
			return
		}
		vf, err := filterFromProto(&pf)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rpc error: code = ") {
				t.Fatalf("error without status: %v", err)
			}
			return
		}
		again, err := filterFromProto(filterToProto(vf))
		if err != nil {
			// The canonical form of a multi-test field condition is one
			// level deeper and counts more conditions.
			if strings.Contains(err.Error(), "deeper") || strings.Contains(err.Error(), "more than") {
				return
			}
			t.Fatalf("canonical filter rejected: %v\nfilter: %v", err, &pf)
		}
		if !reflect.DeepEqual(vf, again) {
			t.Fatalf("round trip changed the filter:\n first: %+v\nsecond: %+v", vf, again)
		}
	})
}
