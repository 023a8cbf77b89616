package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/types/known/timestamppb"

	"nexusos/vectordb"
)

// snapshotsService implements qdrant.Snapshots (collection snapshots only)
// over a vectordb.DB.
type snapshotsService struct {
	qdrant.UnimplementedSnapshotsServer
	db *vectordb.DB
}

func snapshotToProto(d vectordb.SnapshotDescription) *qdrant.SnapshotDescription {
	out := &qdrant.SnapshotDescription{Name: d.Name, CreationTime: timestamppb.New(d.CreationTime), Size: d.Size}
	if d.Checksum != "" {
		sum := d.Checksum
		out.Checksum = &sum
	}
	return out
}

func (s *snapshotsService) Create(ctx context.Context, r *qdrant.CreateSnapshotRequest) (*qdrant.CreateSnapshotResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	d, err := s.db.CreateSnapshot(ctx, r.GetCollectionName())
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CreateSnapshotResponse{SnapshotDescription: snapshotToProto(d), Time: since(start)}, nil
}

func (s *snapshotsService) List(ctx context.Context, r *qdrant.ListSnapshotsRequest) (*qdrant.ListSnapshotsResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	ds, err := s.db.ListSnapshots(r.GetCollectionName())
	if err != nil {
		return nil, statusError(err)
	}
	out := make([]*qdrant.SnapshotDescription, len(ds))
	for i, d := range ds {
		out[i] = snapshotToProto(d)
	}
	return &qdrant.ListSnapshotsResponse{SnapshotDescriptions: out, Time: since(start)}, nil
}

func (s *snapshotsService) Delete(ctx context.Context, r *qdrant.DeleteSnapshotRequest) (*qdrant.DeleteSnapshotResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if err := checkName("snapshot", r.GetSnapshotName()); err != nil {
		return nil, err
	}
	if err := s.db.DeleteSnapshot(r.GetCollectionName(), r.GetSnapshotName()); err != nil {
		return nil, statusError(err)
	}
	return &qdrant.DeleteSnapshotResponse{Time: since(start)}, nil
}

func (s *snapshotsService) CreateFull(ctx context.Context, r *qdrant.CreateFullSnapshotRequest) (*qdrant.CreateSnapshotResponse, error) {
	return nil, unsupported("full storage snapshots; snapshot each collection instead")
}

func (s *snapshotsService) ListFull(ctx context.Context, r *qdrant.ListFullSnapshotsRequest) (*qdrant.ListSnapshotsResponse, error) {
	return nil, unsupported("full storage snapshots; snapshot each collection instead")
}

func (s *snapshotsService) DeleteFull(ctx context.Context, r *qdrant.DeleteFullSnapshotRequest) (*qdrant.DeleteSnapshotResponse, error) {
	return nil, unsupported("full storage snapshots; snapshot each collection instead")
}
