package quant

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
)

// I2SLayout is the order in which an I2_S tensor's 2-bit codes are stored.
//
// bitnet.cpp's quantize_i2_s (src/ggml-bitnet-mad.cpp) writes one of three
// orders, chosen when bitnet.cpp is compiled, not recorded in the file:
// every order has GGUF type 36, the size n/4 + 32 and the float32 scale at
// byte n/4. Codes 0, 1, 2 mean −1, 0, +1 in all of them. For a tensor of
// rows × cols weights (row-major, w[r][c]):
//
//	layout  written by                       unit            byte holds (bits 7-6, 5-4, 3-2, 1-0)
//	------  -------------------------------  --------------  ------------------------------------
//	x86     every build of 2024-10; x86      128 weights,    byte m of group g: weights
//	        builds since 2025-11 (default    32 bytes        128g+m, +32, +64, +96
//	        ACT_PARALLEL); the Python
//	        converters (any machine)
//	arm     ARM (NEON) builds since 2025-11  64 weights,     byte m of group g: weights
//	                                         16 bytes        64g+m, +16, +32, +48
//	rows4   x86 builds since 2025-11 with    4 rows,         byte c of row group h: w[4h][c],
//	        ACT_PARALLEL undefined in        cols bytes      w[4h+1][c], w[4h+2][c], w[4h+3][c]
//	        include/gemm-config.h
//
// Cortex's kernels read the x86 layout; RepackI2S converts the others.
type I2SLayout uint8

// The I2_S code orders; see I2SLayout.
const (
	I2SLayoutX86 I2SLayout = iota
	I2SLayoutARM
	I2SLayoutRows4
)

var i2sLayoutNames = [...]string{I2SLayoutX86: "x86", I2SLayoutARM: "arm", I2SLayoutRows4: "rows4"}

// String returns the layout's name: "x86", "arm" or "rows4".
func (l I2SLayout) String() string {
	if int(l) < len(i2sLayoutNames) {
		return i2sLayoutNames[l]
	}
	return fmt.Sprintf("I2SLayout(%d)", uint8(l))
}

// ParseI2SLayout returns the layout named s (as I2SLayout.String spells it).
func ParseI2SLayout(s string) (I2SLayout, error) {
	for l, name := range i2sLayoutNames {
		if s == name {
			return I2SLayout(l), nil
		}
	}
	return 0, fmt.Errorf("quant: unknown I2_S layout %q (want x86, arm or rows4)", s)
}

// checkI2S validates an I2_S tensor of rows × cols weights in layout l.
func checkI2S(data []byte, rows, cols int, l I2SLayout) error {
	n := rows * cols
	switch {
	case rows <= 0 || cols <= 0 || cols%GroupI2_S != 0:
		return fmt.Errorf("quant: I2_S tensor of %d×%d: rows must be positive and columns a multiple of %d", rows, cols, GroupI2_S)
	case l > I2SLayoutRows4:
		return fmt.Errorf("quant: unknown I2_S layout %d", l)
	case l == I2SLayoutRows4 && rows%4 != 0:
		return fmt.Errorf("quant: I2_S rows4 layout needs a multiple of 4 rows, have %d", rows)
	case len(data) < n/4+i2sTailSize:
		return fmt.Errorf("quant: I2_S tensor of %d weights needs %d bytes, have %d", n, n/4+i2sTailSize, len(data))
	}
	return nil
}

// I2STrits decodes an I2_S tensor of rows × cols weights stored in layout l
// into trits (row-major, −1..1) and returns the tensor scale. A code 3,
// which quantize_i2_s never writes, decodes as +2, as the kernels read it.
func I2STrits(data []byte, rows, cols int, l I2SLayout) ([]int8, float32, error) {
	if err := checkI2S(data, rows, cols, l); err != nil {
		return nil, 0, err
	}
	n := rows * cols
	t := make([]int8, n)
	code := func(b byte, slot int) int8 { return int8(b>>(6-2*slot)&3) - 1 }
	switch l {
	case I2SLayoutX86:
		for i := 0; i < n; i++ {
			g, j := i/128, i%128
			t[i] = code(data[32*g+j%32], j/32)
		}
	case I2SLayoutARM:
		for i := 0; i < n; i++ {
			g, j := i/64, i%64
			t[i] = code(data[16*g+j%16], j/16)
		}
	case I2SLayoutRows4:
		for i := 0; i < n; i++ {
			r, c := i/cols, i%cols
			t[i] = code(data[(r/4)*cols+c], r%4)
		}
	}
	scale, err := I2SScale(data, n)
	return t, scale, err
}

// RepackI2S converts an I2_S tensor of rows × cols weights from layout from
// into the x86 layout in dst, which needs rows·cols/4 + 32 bytes; the
// 32-byte tail (scale and padding) is copied as is. Codes move unchanged,
// so the result decodes to the same trits and scale. Large tensors are split
// across GOMAXPROCS goroutines; dst and src must not overlap.
func RepackI2S(dst, src []byte, rows, cols int, from I2SLayout) error {
	if err := checkI2S(src, rows, cols, from); err != nil {
		return err
	}
	n := rows * cols
	if len(dst) < n/4+i2sTailSize {
		return fmt.Errorf("quant: I2_S repack into %d bytes, need %d", len(dst), n/4+i2sTailSize)
	}
	copy(dst[n/4:n/4+i2sTailSize], src[n/4:])
	if from == I2SLayoutX86 {
		copy(dst[:n/4], src[:n/4])
		return nil
	}
	// Work in units of 4 rows (whole row groups for rows4); row counts of
	// the other layouts need not be multiples of 4.
	units := (rows + 3) / 4
	workers := runtime.GOMAXPROCS(0)
	if n/4 < 1<<20 || workers < 2 {
		workers = 1
	}
	if workers > units {
		workers = units
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		r0, r1 := 4*(units*w/workers), min(rows, 4*(units*(w+1)/workers))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if from == I2SLayoutARM {
				repackARM(dst[r0*cols/4:r1*cols/4], src[r0*cols/4:r1*cols/4])
			} else {
				repackRows4(dst[r0*cols/4:r1*cols/4], src[r0*cols/4:r1*cols/4], cols)
			}
		}()
	}
	wg.Wait()
	return nil
}

// Per-byte masks of 2-bit slots 0..3 (bits 7-6, 5-4, 3-2, 1-0), 8 bytes wide.
const (
	slot0 = 0xC0C0C0C0C0C0C0C0
	slot1 = 0x3030303030303030
	slot2 = 0x0C0C0C0C0C0C0C0C
	slot3 = 0x0303030303030303
)

// repackARM converts arm-layout codes to x86 layout, 32 bytes (two 64-weight
// groups a, b) at a time. x86 byte 16j+m holds the weights that sit in slots
// j and 2+j of a[m] then b[m].
func repackARM(dst, src []byte) {
	le := binary.LittleEndian
	for o := 0; o+32 <= len(src); o += 32 {
		for h := 0; h < 16; h += 8 {
			a, b := le.Uint64(src[o+h:]), le.Uint64(src[o+16+h:])
			le.PutUint64(dst[o+h:], a&slot0|(a&slot2)<<2|(b&slot0)>>4|(b&slot2)>>2)
			le.PutUint64(dst[o+16+h:], (a&slot1)<<2|(a&slot3)<<4|(b&slot1)>>2|b&slot3)
		}
	}
}

// repackRows4 converts rows4-layout codes (whole row groups of cols bytes)
// to x86 layout: a 4×4 transpose of 2-bit fields, 8 columns at a time. Row
// r's x86 byte m of group g takes slot r of the row-group bytes at columns
// 128g+m, +32, +64, +96, in slots 0..3.
func repackRows4(dst, src []byte, cols int) {
	le := binary.LittleEndian
	rs := cols / 4 // x86 bytes per row
	for h := 0; h+cols <= len(src); h += cols {
		in, out := src[h:h+cols], dst[h:h+cols]
		for g := 0; g < cols/128; g++ {
			for m := 0; m < 32; m += 8 {
				x0 := le.Uint64(in[128*g+m:])
				x1 := le.Uint64(in[128*g+32+m:])
				x2 := le.Uint64(in[128*g+64+m:])
				x3 := le.Uint64(in[128*g+96+m:])
				for r := 0; r < 4; r++ {
					s := uint(6 - 2*r)
					v := (x0>>s&slot3)<<6 | (x1>>s&slot3)<<4 | (x2>>s&slot3)<<2 | x3>>s&slot3
					le.PutUint64(out[r*rs+32*g+m:], v)
				}
			}
		}
	}
}
