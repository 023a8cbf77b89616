package vectordb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"
)

// Binary encoding of ops and points, used by log records (recBinOp) and
// checkpoint point records (recCkptBin). Lengths are uvarints; floats and
// fixed-size integers are little-endian; payloads are JSON.
//
//	point   := id version:uvarint nvec:uvarint (name:str vector)* payload:bytes
//	id      := 0 num:uvarint | 1 uuid:[16]byte
//	vector  := 0 n:uvarint float32*n | 1 n:uvarint uint32*n float32*n
//	op      := kind:byte seq:uvarint key:str nkeys:uvarint str* nids:uvarint id*
//	           payload:bytes npoints:uvarint (id version:uvarint ... as point)*
//	           nvecs:uvarint (id nvec:uvarint (name:str vector)*)*
//	str, bytes := n:uvarint byte*n (bytes: n = 0 means absent)
const (
	recBinOp   byte = 5
	recCkptBin byte = 6
)

var errShort = errors.New("record too short")

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }

func (e *encoder) id(id PointID) {
	if id.IsUUID() {
		u, _ := uuid.Parse(id.UUID) // ids are canonical before they are encoded
		e.b = append(e.b, 1)
		e.b = append(e.b, u[:]...)
		return
	}
	e.b = append(e.b, 0)
	e.uvarint(id.Num)
}

func (e *encoder) vectors(nv NamedVectors) {
	e.uvarint(uint64(len(nv)))
	for name, v := range nv {
		e.str(name)
		if v.Sparse != nil {
			e.b = append(e.b, 1)
			e.uvarint(uint64(len(v.Sparse.Indices)))
			for _, i := range v.Sparse.Indices {
				e.b = binary.LittleEndian.AppendUint32(e.b, i)
			}
			for _, x := range v.Sparse.Values {
				e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x))
			}
			continue
		}
		if v.Multi != nil {
			e.b = append(e.b, 2)
			e.uvarint(uint64(len(v.Multi)))
			dim := 0
			if len(v.Multi) > 0 {
				dim = len(v.Multi[0])
			}
			e.uvarint(uint64(dim))
			for _, sub := range v.Multi {
				for _, x := range sub {
					e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x))
				}
			}
			continue
		}
		e.b = append(e.b, 0)
		e.uvarint(uint64(len(v.Dense)))
		for _, x := range v.Dense {
			e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x))
		}
	}
}

func (e *encoder) payload(p Payload) error {
	if p == nil {
		e.uvarint(0)
		return nil
	}
	j, err := json.Marshal(p)
	if err != nil {
		return err
	}
	e.uvarint(uint64(len(j)))
	e.b = append(e.b, j...)
	return nil
}

func (e *encoder) point(id PointID, version uint64, nv NamedVectors, p Payload) error {
	e.id(id)
	e.uvarint(version)
	e.vectors(nv)
	return e.payload(p)
}

// encodeOpBinary returns the record body of an op.
func encodeOpBinary(o *op) ([]byte, error) {
	e := &encoder{b: []byte{recBinOp, byte(o.Kind)}}
	e.uvarint(o.Seq)
	e.str(o.Key)
	e.uvarint(uint64(len(o.Keys)))
	for _, k := range o.Keys {
		e.str(k)
	}
	e.uvarint(uint64(len(o.IDs)))
	for _, id := range o.IDs {
		e.id(id)
	}
	if err := e.payload(o.Payload); err != nil {
		return nil, err
	}
	e.uvarint(uint64(len(o.Points)))
	for i := range o.Points {
		p := &o.Points[i]
		if err := e.point(p.ID, 0, p.Vectors, p.Payload); err != nil {
			return nil, err
		}
	}
	e.uvarint(uint64(len(o.Vectors)))
	for _, pv := range o.Vectors {
		e.id(pv.ID)
		e.vectors(pv.Vectors)
	}
	return e.b, nil
}

// decoder reads what encoder wrote; every length is checked against the
// bytes left before anything is allocated.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) byte1() byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length whose items take at least unit bytes each.
func (d *decoder) count(unit int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/unit) {
		d.fail(fmt.Errorf("length %d exceeds record", n))
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n > len(d.b) {
		d.fail(errShort)
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string { return string(d.bytes(d.count(1))) }

func (d *decoder) id() PointID {
	switch d.byte1() {
	case 0:
		return PointID{Num: d.uvarint()}
	case 1:
		b := d.bytes(16)
		if d.err != nil {
			return PointID{}
		}
		return PointID{UUID: uuid.UUID(b).String()}
	}
	d.fail(errors.New("bad id tag"))
	return PointID{}
}

func (d *decoder) floats(n int) []float32 {
	b := d.bytes(4 * n)
	if d.err != nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (d *decoder) vectors() NamedVectors {
	n := d.count(3)
	if d.err != nil {
		return nil
	}
	nv := make(NamedVectors, n)
	for i := 0; i < n && d.err == nil; i++ {
		name := d.str()
		switch d.byte1() {
		case 0:
			nv[name] = Vector{Dense: d.floats(d.count(4))}
		case 1:
			k := d.count(8)
			b := d.bytes(4 * k)
			vals := d.floats(k)
			if d.err != nil {
				return nil
			}
			idx := make([]uint32, k)
			for j := range idx {
				idx[j] = binary.LittleEndian.Uint32(b[4*j:])
			}
			nv[name] = Vector{Sparse: &SparseVector{Indices: idx, Values: vals}}
		case 2:
			k := d.count(1)
			dim := d.count(1)
			if d.err != nil {
				return nil
			}
			if k > MaxMultiVectors || k*dim > MaxMultiFloats {
				d.fail(errors.New("multi-vector too large"))
				return nil
			}
			flat := d.floats(k * dim)
			if d.err != nil {
				return nil
			}
			multi := make([][]float32, k)
			for j := range multi {
				multi[j] = flat[j*dim : (j+1)*dim : (j+1)*dim]
			}
			nv[name] = Vector{Multi: multi}
		default:
			d.fail(errors.New("bad vector tag"))
		}
	}
	return nv
}

func (d *decoder) payload() Payload {
	n := d.count(1)
	if n == 0 || d.err != nil {
		return nil
	}
	var p Payload
	if err := json.Unmarshal(d.bytes(n), &p); err != nil {
		d.fail(err)
		return nil
	}
	if p == nil {
		d.fail(errors.New("payload is not an object"))
	}
	return p
}

func decodeOpBinary(body []byte) (*op, error) {
	d := &decoder{b: body[1:]}
	o := &op{Kind: opKind(d.byte1()), Seq: d.uvarint(), Key: d.str()}
	if n := d.count(1); n > 0 {
		o.Keys = make([]string, n)
		for i := range o.Keys {
			o.Keys[i] = d.str()
		}
	}
	if n := d.count(2); n > 0 {
		o.IDs = make([]PointID, n)
		for i := range o.IDs {
			o.IDs[i] = d.id()
		}
	}
	o.Payload = d.payload()
	if n := d.count(4); n > 0 {
		o.Points = make([]PointStruct, n)
		for i := range o.Points {
			o.Points[i].ID = d.id()
			d.uvarint()
			o.Points[i].Vectors = d.vectors()
			o.Points[i].Payload = d.payload()
		}
	}
	if n := d.count(3); n > 0 {
		o.Vectors = make([]PointVectors, n)
		for i := range o.Vectors {
			o.Vectors[i].ID = d.id()
			o.Vectors[i].Vectors = d.vectors()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New("trailing bytes"))
	}
	if d.err != nil {
		return nil, d.err
	}
	return o, nil
}

// encodeCkptPoints returns a checkpoint points record body.
func encodeCkptPoints(pts []ckptPoint) ([]byte, error) {
	e := &encoder{b: []byte{recCkptBin}}
	e.uvarint(uint64(len(pts)))
	for i := range pts {
		if err := e.point(pts[i].ID, pts[i].Version, pts[i].Vectors, pts[i].Payload); err != nil {
			return nil, err
		}
	}
	return e.b, nil
}

func decodeCkptPoints(body []byte) ([]ckptPoint, error) {
	d := &decoder{b: body[1:]}
	n := d.count(4)
	out := make([]ckptPoint, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		p := ckptPoint{ID: d.id(), Version: d.uvarint()}
		p.Vectors = d.vectors()
		p.Payload = d.payload()
		out = append(out, p)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(errors.New("trailing bytes"))
	}
	return out, d.err
}
