package grpcapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// Quantization configs travel to the engine as the JSON object REST
// takes (Qdrant's quantization_config): the proto messages are converted
// to it and checked by qdrantapi.ParseQuantization, the check REST runs,
// so a config means the same whichever API set it; collection info
// converts the kept JSON back.

// quantJSON is the JSON shape of a quantization config, the fields the
// proto messages carry.
type quantJSON struct {
	Scalar  *scalarJSON  `json:"scalar,omitempty"`
	Product *productJSON `json:"product,omitempty"`
	Binary  *binaryJSON  `json:"binary,omitempty"`
}

type scalarJSON struct {
	Type      string   `json:"type"`
	Quantile  *float32 `json:"quantile,omitempty"`
	AlwaysRAM *bool    `json:"always_ram,omitempty"`
}

type productJSON struct {
	Compression string `json:"compression"`
	AlwaysRAM   *bool  `json:"always_ram,omitempty"`
}

type binaryJSON struct {
	AlwaysRAM     *bool   `json:"always_ram,omitempty"`
	Encoding      *string `json:"encoding,omitempty"`
	QueryEncoding *string `json:"query_encoding,omitempty"`
}

// enumName returns names[i], or the number itself (which the shared
// check rejects as an unknown variant) when i is out of range.
func enumName(names []string, i int32) string {
	if i >= 0 && int(i) < len(names) {
		return names[i]
	}
	return fmt.Sprint(i)
}

// enumIndex returns the position of name in names, -1 if absent.
func enumIndex(names []string, name string) int32 {
	for i, n := range names {
		if n == name {
			return int32(i)
		}
	}
	return -1
}

// quantToJSON converts the variant of a config or diff to JSON.
func quantToJSON(scalar *qdrant.ScalarQuantization, product *qdrant.ProductQuantization, binary *qdrant.BinaryQuantization) quantJSON {
	var w quantJSON
	switch {
	case scalar != nil:
		w.Scalar = &scalarJSON{Quantile: scalar.Quantile, AlwaysRAM: scalar.AlwaysRam}
		// QuantizationType numbers UnknownQuantization 0, Int8 1.
		w.Scalar.Type = strings.ToLower(scalar.GetType().String())
	case product != nil:
		w.Product = &productJSON{Compression: enumName(qdrantapi.CompressionRatios, int32(product.GetCompression())), AlwaysRAM: product.AlwaysRam}
	case binary != nil:
		w.Binary = &binaryJSON{AlwaysRAM: binary.AlwaysRam}
		if binary.Encoding != nil {
			e := enumName(qdrantapi.BinaryEncodings, int32(binary.GetEncoding()))
			w.Binary.Encoding = &e
		}
		if qe := binary.GetQueryEncoding(); qe != nil {
			e := enumName(qdrantapi.BinaryQueryEncodings, int32(qe.GetSetting()))
			w.Binary.QueryEncoding = &e
		}
	}
	return w
}

// checkQuant runs the shared check over w at field.
func checkQuant(w quantJSON, field string) (json.RawMessage, error) {
	raw, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", field, err)
	}
	q, err := qdrantapi.ParseQuantization(raw, field)
	if err != nil {
		var ve *qdrantapi.ValidationError
		var e *vectordb.Error
		switch {
		case errors.As(err, &ve):
			return nil, badInput("Validation error: [%s: %s]", ve.Path, ve.Msg)
		case errors.As(err, &e):
			return nil, badInput("%s", strings.TrimPrefix(e.Msg, "Json deserialize error: "))
		}
		return nil, badInput("%v", err)
	}
	return q, nil
}

// quantFromProto converts a quantization config; nil gives nil.
func quantFromProto(c *qdrant.QuantizationConfig, field string) (json.RawMessage, error) {
	if c == nil {
		return nil, nil
	}
	if c.GetScalar() == nil && c.GetProduct() == nil && c.GetBinary() == nil {
		return nil, badInput("%s: no quantization given", field)
	}
	return checkQuant(quantToJSON(c.GetScalar(), c.GetProduct(), c.GetBinary()), field)
}

// quantDiffFromProto converts a quantization diff: nil gives nil,
// Disabled "null" (the engine's "drop the quantization").
func quantDiffFromProto(c *qdrant.QuantizationConfigDiff, field string) (json.RawMessage, error) {
	if c == nil {
		return nil, nil
	}
	if c.GetDisabled() != nil {
		return json.RawMessage("null"), nil
	}
	if c.GetScalar() == nil && c.GetProduct() == nil && c.GetBinary() == nil {
		return nil, badInput("%s: no quantization given", field)
	}
	return checkQuant(quantToJSON(c.GetScalar(), c.GetProduct(), c.GetBinary()), field)
}

// quantToProto reports a kept config; nil when there is none or it has
// no proto form (turbo).
func quantToProto(raw json.RawMessage) *qdrant.QuantizationConfig {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var w quantJSON
	if json.Unmarshal(raw, &w) != nil {
		return nil
	}
	switch {
	case w.Scalar != nil:
		return qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{
			Type: qdrant.QuantizationType_Int8, Quantile: w.Scalar.Quantile, AlwaysRam: w.Scalar.AlwaysRAM,
		})
	case w.Product != nil:
		c := enumIndex(qdrantapi.CompressionRatios, w.Product.Compression)
		if c < 0 {
			return nil
		}
		return qdrant.NewQuantizationProduct(&qdrant.ProductQuantization{
			Compression: qdrant.CompressionRatio(c), AlwaysRam: w.Product.AlwaysRAM,
		})
	case w.Binary != nil:
		b := &qdrant.BinaryQuantization{AlwaysRam: w.Binary.AlwaysRAM}
		if w.Binary.Encoding != nil {
			if e := enumIndex(qdrantapi.BinaryEncodings, *w.Binary.Encoding); e >= 0 {
				b.Encoding = qdrant.BinaryQuantizationEncoding(e).Enum()
			}
		}
		if w.Binary.QueryEncoding != nil {
			if e := enumIndex(qdrantapi.BinaryQueryEncodings, *w.Binary.QueryEncoding); e >= 0 {
				b.QueryEncoding = qdrant.NewBinaryQuantizationQueryEncodingSetting(qdrant.BinaryQuantizationQueryEncoding_Setting(e))
			}
		}
		return qdrant.NewQuantizationBinary(b)
	}
	return nil
}
