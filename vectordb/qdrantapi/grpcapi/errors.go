package grpcapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"nexusos/vectordb"
)

// statusError converts an engine error into a gRPC status error whose
// message is the engine's Qdrant-phrased text. Errors that already carry a
// status (from the converters) pass through unchanged.
func statusError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "Timeout: "+err.Error())
	}
	var code codes.Code
	switch vectordb.KindOf(err) {
	case vectordb.KindBadInput:
		code = codes.InvalidArgument
	case vectordb.KindNotFound:
		code = codes.NotFound
	case vectordb.KindConflict:
		code = codes.AlreadyExists
	case vectordb.KindForbidden:
		code = codes.PermissionDenied
	case vectordb.KindTooLarge:
		code = codes.ResourceExhausted
	case vectordb.KindUnavailable:
		code = codes.Unavailable
	default:
		code = codes.Internal
		slog.Error("qdrant grpc: internal error", "err", err)
	}
	return status.Error(code, err.Error())
}

// badInput is a conversion error: codes.InvalidArgument with Qdrant's
// "Wrong input: " prefix.
func badInput(format string, args ...any) error {
	return status.Error(codes.InvalidArgument, "Wrong input: "+fmt.Sprintf(format, args...))
}

// unsupported reports a Qdrant feature this server does not implement.
func unsupported(format string, args ...any) error {
	return status.Error(codes.Unimplemented, "Not supported by this server: "+fmt.Sprintf(format, args...))
}

// since returns the seconds elapsed since start, for the responses' time
// field.
func since(start time.Time) float64 { return time.Since(start).Seconds() }

// withTimeout applies a request's optional timeout (in seconds) to ctx.
func withTimeout(ctx context.Context, seconds *uint64) (context.Context, context.CancelFunc) {
	if seconds == nil || *seconds == 0 {
		return ctx, func() {}
	}
	d := time.Duration(min(*seconds, uint64(24*3600))) * time.Second
	return context.WithTimeout(ctx, d)
}

// recoverInterceptor turns a panic in a handler into codes.Internal so that
// one bad request cannot take the node down, and logs every call at debug
// level (method, code, duration).
func recoverInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			slog.Error("qdrant grpc: panic", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			resp, err = nil, status.Errorf(codes.Internal, "Service internal error: %v", r)
		}
		slog.Debug("qdrant grpc", "method", info.FullMethod, "code", status.Code(err).String(), "duration", time.Since(start))
	}()
	return handler(ctx, req)
}

// inputError turns a qdrantpb conversion error (vectordb.BadInput, "Wrong
// input: ...") into the status badInput gives: codes.InvalidArgument with
// the same text.
func inputError(err error) error {
	if err == nil {
		return nil
	}
	return status.Error(codes.InvalidArgument, err.Error())
}
