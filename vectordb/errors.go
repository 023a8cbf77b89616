package vectordb

import (
	"errors"
	"fmt"
)

// ErrCorruptWAL is wrapped by the error Open returns when a write-ahead log
// is damaged before its last record (damage in the last record is a torn
// write and ends the log silently).
var ErrCorruptWAL = errors.New("vectordb: corrupt write-ahead log")

// ErrClosed is wrapped by errors of calls made after Close.
var ErrClosed = errors.New("vectordb: database closed")

func errCollectionNotFound(name string) error {
	return NotFound("Collection `%s` doesn't exist!", name)
}

func errCollectionExists(name string) error {
	return BadInput("Collection `%s` already exists!", name)
}

// badRequest returns a KindBadInput error with Qdrant's "Bad request: "
// prefix (Qdrant uses it for requests that are well-formed but not
// applicable, such as order_by without a range index).
func badRequest(format string, args ...any) error {
	return &Error{Kind: KindBadInput, Msg: "Bad request: " + fmt.Sprintf(format, args...)}
}

// internalError wraps an I/O or other unexpected failure as KindInternal.
func internalError(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: KindInternal, Msg: "Service internal error: " + msg + ": " + err.Error(), Err: err}
}

func errPointNotFound(id PointID) error {
	return NotFound("No point with id %s found", id)
}
