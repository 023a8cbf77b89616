package vectordb

import "time"

// payloadOnly is the collection MatchPayload evaluates in: no payload
// indexes, so every condition reads the payload itself.
var payloadOnly = &collection{fields: map[string]*fieldIndex{}}

// MatchPayload reports whether a point with payload p would satisfy f in a
// collection without payload indexes: the engine's own filter semantics,
// for callers that keep payloads of their own (MemexFS's file catalog)
// and must answer exactly as a filtered scroll would. A nil f matches
// everything. f must be valid (see Filter validation on the API paths).
// It is safe for concurrent use.
func MatchPayload(f *Filter, p Payload) bool {
	if f == nil {
		return true
	}
	return matcher{c: payloadOnly}.match(f, &point{payload: p})
}

// InRange reports whether f satisfies a numeric range condition, as the
// engine decides it.
func InRange(r *Range, f float64) bool { return inRange(r, f) }

// InDatetimeRange reports whether t satisfies a datetime range condition,
// as the engine decides it.
func InDatetimeRange(r *DatetimeRange, t time.Time) bool { return inDatetimeRange(r, t) }
