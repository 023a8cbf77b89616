package qdrantapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"nexusos/vectordb"
)

// Quantization configs: both servers turn a client's quantization_config
// into the JSON object the engine keeps (vectordb.CollectionConfig and
// VectorParams hold it verbatim, compacted), REST from its body and gRPC
// from the proto messages it converts to that JSON, so both accept and
// reject exactly the same configs.

// MaxQuantizationBytes bounds a quantization_config object.
const MaxQuantizationBytes = 4096

// The enumerations of Qdrant's quantization configs, in its order.
var (
	ScalarTypes           = []string{"int8"}
	CompressionRatios     = []string{"x4", "x8", "x16", "x32", "x64"}
	BinaryEncodings       = []string{"one_bit", "two_bits", "one_and_half_bits"}
	BinaryQueryEncodings  = []string{"default", "binary", "scalar4bits", "scalar8bits"}
	quantizationVariants  = []string{"scalar", "product", "binary", "turbo"}
	quantizationFieldKind = map[string]map[string][]string{
		"scalar":  {"type": ScalarTypes},
		"product": {"compression": CompressionRatios},
		"binary":  {"encoding": BinaryEncodings, "query_encoding": BinaryQueryEncodings},
	}
	// requiredFields are the fields Qdrant's configs cannot do without.
	requiredFields = map[string][]string{"scalar": {"type"}, "product": {"compression"}}
)

// ValidationError is a config that parsed but breaks one of Qdrant's
// validation rules (REST answers it 422 "Validation error in JSON body").
type ValidationError struct {
	Path, Msg string
}

func (e *ValidationError) Error() string { return e.Path + ": " + e.Msg }

// deserializeError is Qdrant's 400 "Json deserialize error" about field.
func deserializeError(field, format string, args ...any) error {
	msg := "Json deserialize error: " + field + ": " + fmt.Sprintf(format, args...)
	return &vectordb.Error{Kind: vectordb.KindBadInput, Msg: msg}
}

// ParseQuantization checks a quantization_config at field (its path in
// the request, for messages): nil for an absent one, "null" for null or
// "Disabled" (a diff that drops quantization), otherwise an object with
// exactly one of scalar, product, binary or turbo, whose enumerated
// fields hold names Qdrant knows (scalar type int8; product compression
// x4 … x64; binary encoding and query_encoding) and whose scalar
// quantile is within [0.5, 1]. It returns the object compacted. Unknown
// names are *vectordb.Error (KindBadInput, Qdrant's "Json deserialize
// error"), out-of-range values *ValidationError.
func ParseQuantization(raw json.RawMessage, field string) (json.RawMessage, error) {
	if raw == nil {
		return nil, nil
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" || string(t) == `"Disabled"` {
		return json.RawMessage("null"), nil
	}
	if len(raw) > MaxQuantizationBytes {
		return nil, deserializeError(field, "at most %d bytes", MaxQuantizationBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || len(obj) != 1 {
		return nil, deserializeError(field, "expected an object with one of scalar, product, binary, turbo")
	}
	for k, v := range obj {
		if !slices.Contains(quantizationVariants, k) {
			return nil, deserializeError(field, "unknown variant %s, expected one of %s", quote(k), quoteAll(quantizationVariants))
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(v, &body); err != nil || body == nil {
			return nil, deserializeError(field+"."+k, "expected an object")
		}
		if err := checkVariant(field+"."+k, k, body); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, deserializeError(field, "%v", err)
	}
	return buf.Bytes(), nil
}

// checkVariant checks the fields of one quantization variant.
func checkVariant(path, variant string, body map[string]json.RawMessage) error {
	for _, f := range requiredFields[variant] {
		if v, ok := body[f]; !ok || string(bytes.TrimSpace(v)) == "null" {
			return deserializeError(path, "missing field %s", quote(f))
		}
	}
	for f, names := range quantizationFieldKind[variant] {
		v, ok := body[f]
		if !ok || string(bytes.TrimSpace(v)) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return deserializeError(path+"."+f, "invalid type: %s, expected one of %s", strings.TrimSpace(string(v)), quoteAll(names))
		}
		if !slices.Contains(names, s) {
			return deserializeError(path+"."+f, "unknown variant %s, expected one of %s", quote(s), quoteAll(names))
		}
	}
	if v, ok := body["always_ram"]; ok && string(bytes.TrimSpace(v)) != "null" {
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return deserializeError(path+".always_ram", "invalid type: %s, expected a boolean", strings.TrimSpace(string(v)))
		}
	}
	if v, ok := body["quantile"]; ok && variant == "scalar" && string(bytes.TrimSpace(v)) != "null" {
		var q float64
		if err := json.Unmarshal(v, &q); err != nil {
			return deserializeError(path+".quantile", "invalid type: %s, expected f32", strings.TrimSpace(string(v)))
		}
		if !(q >= 0.5 && q <= 1) {
			return &ValidationError{Path: path + ".quantile", Msg: fmt.Sprintf("value %v invalid, must be from 0.5 to 1.0", q)}
		}
	}
	return nil
}

func quote(s string) string { return "`" + s + "`" }

// quoteAll lists names as serde does: `a`, `b`, `c`.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
