package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// TestOpenRefusesTL: a bitnet.cpp TL1/TL2 file is refused with an error
// that names the type and what to use instead.
func TestOpenRefusesTL(t *testing.T) {
	for _, typ := range []TensorType{TypeTL1, TypeTL2} {
		w := NewWriter()
		if err := w.Set("general.architecture", "bitnet"); err != nil {
			t.Fatal(err)
		}
		// The tensor table is refused before any data is read, so the
		// stand-in data (written as I2_S) does not matter.
		if err := w.AddTensor("blk.0.attn_q.weight", TypeI2_S, []uint64{128, 4}, make([]byte, 128*4/4+32)); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		img := buf.Bytes()
		// Patch the tensor's type field (after name, n_dims, dims) to typ.
		at := bytes.Index(img, []byte("blk.0.attn_q.weight")) + len("blk.0.attn_q.weight") + 4 + 16
		if binary.LittleEndian.Uint32(img[at:]) != uint32(TypeI2_S) {
			t.Fatal("type field not found")
		}
		binary.LittleEndian.PutUint32(img[at:], uint32(typ))
		_, err := OpenBytes(img)
		t.Logf("%s: %v", typ, err)
		if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), typ.String()+" (") ||
			!strings.Contains(err.Error(), "I2_S") {
			t.Errorf("%s: error %v", typ, err)
		}
	}
	if TypeTL1.String() != "TL1" || TypeTL2.String() != "TL2" {
		t.Errorf("names %s, %s", TypeTL1, TypeTL2)
	}
}
