package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"maps"
	"math"
	"slices"
)

// PDF decryption: the Standard security handler opened with the EMPTY
// user password, which is how most "protected" invoices are made (the
// producer only sets permissions, so every viewer opens them without
// asking). A file whose user password is not empty is skipped.
//
// Supported, per ISO 32000-1 §7.6 and ISO 32000-2 §7.6 (for R 6):
//
//	V  R  strings and streams                file key (empty password)
//	-  -  -------------------------------    ------------------------------
//	1  2  RC4, 40 bit                        Algorithm 2: MD5 of padding,
//	2  3  RC4, 40-128 bit                      /O, /P, /ID[0] (R 3, 4: MD5
//	4  4  crypt filters: /V2 (RC4),            again 50 times; R 4 adds
//	      /AESV2 (AES-128-CBC), /Identity      FFFFFFFF without metadata
//	                                           encryption)
//	5  5  /AESV3 (AES-256-CBC)               /UE under SHA-256(key salt)
//	5  6  /AESV3 (AES-256-CBC)               /UE under Algorithm 2.B hash
//
// A stream may name its own crypt filter with a leading /Crypt filter.
// Not supported (skipped with a reason): other security handlers
// (/Adobe.PubSec certificates), V 0 and 3, non-empty user passwords
// (even with an empty owner password).
//
// The empty password is checked against /U first (Algorithms 4 and 5 of
// ISO 32000-1 §7.6.3.4; the validation salt, ISO 32000-2 Algorithm 11),
// so a file that needs a password is skipped, not read as noise.
//
// For V 1-4 every string and stream is encrypted under its own key
// (Algorithm 1, ISO 32000-1 §7.6.2): MD5 of the file key, the low three
// bytes of the object number and the low two of the generation
// (little-endian), and "sAlT" for AES, cut to file-key length + 5 bytes
// (at most 16). V 5 uses the file key itself. AES data starts with its
// 16-byte IV and ends with PKCS#5 padding. Not encrypted: the /Encrypt
// dictionary, cross-reference streams, the objects inside an object
// stream (the object stream itself is), and the /Metadata stream when
// /EncryptMetadata is false.

// pdfPadding pads a password to 32 bytes (ISO 32000-1 §7.6.3.3,
// Algorithm 2 step a); the empty password is all of it.
var pdfPadding = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08" +
	"\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// pdfCryptMethod is a crypt filter method (ISO 32000-1 Table 25 /CFM).
type pdfCryptMethod int

const (
	pdfCryptIdentity pdfCryptMethod = iota // /Identity, /None: data as is
	pdfCryptRC4                            // /V2 and V 1/2 files
	pdfCryptAESV2                          // AES-128-CBC, per-object key
	pdfCryptAESV3                          // AES-256-CBC, the file key
)

// errPDFPassword is the reason a file that needs a user password is
// skipped.
const errPDFPassword = "encrypted PDF: a password is needed"

// pdfSecurity decrypts one document's strings and streams. It is built
// once per file by newPDFSecurity and only read afterwards.
type pdfSecurity struct {
	key             []byte // file encryption key
	str, stm, eff   pdfCryptMethod
	filters         map[string]pdfCryptMethod // /CF by name, for /Crypt stream filters
	encryptMetadata bool
}

// pdfShow spells a name as in the file, for Skip reasons.
func pdfShow(o any) string {
	switch v := o.(type) {
	case pdfName:
		return "/" + string(v)
	case nil:
		return "(none)"
	case float64, bool:
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("of type %T", o)
}

// pdfEncryptInt reads an integer entry of the encryption dictionary.
func pdfEncryptInt(o any) (int, bool) {
	v, ok := o.(float64)
	if !ok || math.IsNaN(v) || v != math.Trunc(v) || math.Abs(v) > 1<<32 {
		return 0, false
	}
	return int(v), true
}

// newPDFSecurity opens the encryption dictionary enc with the empty user
// password; id0 is the first string of the trailer's /ID (empty when the
// file has none). It returns a *SkipError saying why when the handler,
// its version or the dictionary is not supported, or a password is
// needed.
func newPDFSecurity(enc pdfDict, id0 string, resolve func(any) any) (*pdfSecurity, error) {
	get := func(k string) any { return resolve(enc[k]) }
	if f := get("Filter"); f != pdfName("Standard") {
		return nil, Skip("encrypted PDF: security handler %s is not supported", pdfShow(f))
	}
	v, ok1 := pdfEncryptInt(get("V"))
	rev, ok2 := pdfEncryptInt(get("R"))
	if !ok1 || !ok2 {
		return nil, Skip("encrypted PDF: /V or /R missing in the encryption dictionary")
	}
	o, _ := get("O").(string)
	u, _ := get("U").(string)
	s := &pdfSecurity{encryptMetadata: true}
	if em, ok := get("EncryptMetadata").(bool); ok && v >= 4 {
		s.encryptMetadata = em
	}
	switch {
	case (v == 1 || v == 2) && (rev == 2 || rev == 3):
		n := 5
		if v == 2 {
			n = 40
			if l, ok := pdfEncryptInt(get("Length")); ok {
				n = l
			}
			if n < 40 || n > 128 || n%8 != 0 {
				return nil, Skip("encrypted PDF: key length %d bits not supported", n)
			}
			n /= 8
		}
		s.str, s.stm, s.eff = pdfCryptRC4, pdfCryptRC4, pdfCryptRC4
		if err := s.openRC4(n, rev, o, u, get("P"), id0); err != nil {
			return nil, err
		}
		return s, nil
	case v == 4 && rev == 4, v == 5 && (rev == 5 || rev == 6):
		if err := s.cryptFilters(enc, v, resolve); err != nil {
			return nil, err
		}
		var err error
		if v == 5 {
			err = s.openAES256(rev, u, get("UE"), get("Perms"))
		} else {
			var n int
			if n, err = pdfV4KeyLength(enc, resolve); err == nil {
				err = s.openRC4(n, rev, o, u, get("P"), id0)
			}
		}
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, Skip("encrypted PDF: standard security handler V %d R %d not supported", v, rev)
}

// cryptFilters reads /CF, /StmF, /StrF and /EFF (ISO 32000-1 §7.6.5,
// Tables 20 and 25). A missing /StmF or /StrF is /Identity.
func (s *pdfSecurity) cryptFilters(enc pdfDict, v int, resolve func(any) any) error {
	s.filters = map[string]pdfCryptMethod{"Identity": pdfCryptIdentity}
	cf, _ := resolve(enc["CF"]).(pdfDict)
	for _, name := range slices.Sorted(maps.Keys(cf)) {
		d, ok := resolve(cf[name]).(pdfDict)
		if !ok {
			continue
		}
		switch m := resolve(d["CFM"]); m {
		case nil, pdfName("None"):
			s.filters[name] = pdfCryptIdentity
		case pdfName("V2"):
			s.filters[name] = pdfCryptRC4
		case pdfName("AESV2"):
			s.filters[name] = pdfCryptAESV2
		case pdfName("AESV3"):
			s.filters[name] = pdfCryptAESV3
		default:
			return Skip("encrypted PDF: crypt filter method %s not supported", pdfShow(m))
		}
		if m := s.filters[name]; (v == 5) != (m == pdfCryptAESV3) && m != pdfCryptIdentity {
			return Skip("encrypted PDF: crypt filter %s does not fit V %d", name, v)
		}
	}
	pick := func(k string, def pdfCryptMethod) (pdfCryptMethod, error) {
		o := resolve(enc[k])
		if o == nil {
			return def, nil
		}
		name, ok := o.(pdfName)
		m, found := s.filters[string(name)]
		if !ok || !found {
			return 0, Skip("encrypted PDF: /%s names no crypt filter", k)
		}
		return m, nil
	}
	var err error
	if s.stm, err = pick("StmF", pdfCryptIdentity); err != nil {
		return err
	}
	if s.str, err = pick("StrF", pdfCryptIdentity); err != nil {
		return err
	}
	s.eff, err = pick("EFF", s.stm)
	return err
}

// pdfV4KeyLength is the file key length in bytes of a V 4 file: 128 bits
// for /AESV2, else the /Length of the stream (or string) crypt filter (in
// bits, but some writers give bytes), else the dictionary's /Length, else
// 128 bits.
func pdfV4KeyLength(enc pdfDict, resolve func(any) any) (int, error) {
	bits := 128
	if l, ok := pdfEncryptInt(resolve(enc["Length"])); ok {
		bits = l
	}
	cf, _ := resolve(enc["CF"]).(pdfDict)
	for _, k := range []string{"StmF", "StrF"} {
		name, _ := resolve(enc[k]).(pdfName)
		d, ok := resolve(cf[string(name)]).(pdfDict)
		if !ok {
			continue
		}
		if resolve(d["CFM"]) == pdfName("AESV2") {
			bits = 128
			break
		}
		if l, ok := pdfEncryptInt(resolve(d["Length"])); ok {
			if l > 0 && l <= 16 {
				l *= 8
			}
			bits = l
			break
		}
	}
	if bits < 40 || bits > 128 || bits%8 != 0 {
		return 0, Skip("encrypted PDF: key length %d bits not supported", bits)
	}
	return bits / 8, nil
}

// openRC4 computes the file key of an R 2-4 file for the empty password
// and checks it against /U.
func (s *pdfSecurity) openRC4(n, rev int, o, u string, p any, id0 string) error {
	if len(o) < 32 || len(u) < 32 {
		return Skip("encrypted PDF: /O or /U shorter than 32 bytes")
	}
	pv, ok := pdfEncryptInt(p)
	if !ok {
		return Skip("encrypted PDF: /P missing or not an integer")
	}
	s.key = pdfFileKeyRC4(n, rev, o, pv, id0, s.encryptMetadata)
	check := pdfUserHash(s.key, rev, id0)
	if len(check) == 0 || !bytes.Equal(check, []byte(u[:len(check)])) {
		return Skip(errPDFPassword)
	}
	return nil
}

// pdfFileKeyRC4 is the n-byte file key of an R 2-4 file for the empty
// password (ISO 32000-1 §7.6.3.3, Algorithm 2): MD5 of the padded
// password, /O, /P (4 bytes, little-endian), the first /ID string and,
// for R 4 without metadata encryption, FFFFFFFF; for R 3 and up the
// first n bytes are hashed again 50 times.
func pdfFileKeyRC4(n, rev int, o string, p int, id0 string, encryptMetadata bool) []byte {
	h := md5.New()
	h.Write(pdfPadding) // the empty password, padded
	h.Write([]byte(o[:32]))
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(int64(p))))
	h.Write([]byte(id0))
	if rev >= 4 && !encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if rev >= 3 {
		for range 50 {
			sum := md5.Sum(key[:n])
			key = sum[:]
		}
	}
	return key[:n]
}

// pdfUserHash is what /U starts with when key is the right file key
// (ISO 32000-1 §7.6.3.4): for R 2 (Algorithm 4) the padding string
// encrypted with RC4 under key, 32 bytes; for R 3 and 4 (Algorithm 5)
// MD5 of the padding and the first /ID string, encrypted 20 times with
// RC4 under key XOR 0…19, 16 bytes (the rest of /U is arbitrary).
func pdfUserHash(key []byte, rev int, id0 string) []byte {
	if rev == 2 {
		return rc4Bytes(key, pdfPadding)
	}
	sum := md5.Sum(append(append([]byte(nil), pdfPadding...), id0...))
	check := sum[:]
	k := make([]byte, len(key))
	for i := range 20 {
		for j := range k {
			k[j] = key[j] ^ byte(i)
		}
		check = rc4Bytes(k, check)
	}
	return check
}

func rc4Bytes(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil { // only for keys outside 1-256 bytes
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// openAES256 checks the empty password against /U and takes the file key
// out of /UE (ISO 32000-2 §7.6.4.3.3 Algorithm 2.A and §7.6.4.4.10
// Algorithm 11; R 5 is the deprecated Adobe extension level 3 variant
// that hashes with a single SHA-256), then checks it against /Perms
// (Algorithm 13).
//
// /U is 48 bytes: a 32-byte hash, an 8-byte validation salt and an
// 8-byte key salt; /UE is the 32-byte file key encrypted with AES-256
// (CBC, zero IV, no padding) under hash(password, key salt).
func (s *pdfSecurity) openAES256(rev int, u string, ueObj, permsObj any) error {
	ue, _ := ueObj.(string)
	if len(u) < 48 || len(ue) < 32 {
		return Skip("encrypted PDF: /U or /UE too short for AES-256")
	}
	hashFn := pdfHashR6
	if rev == 5 {
		hashFn = func(pw, salt, _ []byte) []byte { s := sha256.Sum256(append(pw, salt...)); return s[:] }
	}
	if !bytes.Equal(hashFn(nil, []byte(u[32:40]), nil), []byte(u[:32])) {
		return Skip(errPDFPassword)
	}
	kek := hashFn(nil, []byte(u[40:48]), nil)
	block, err := aes.NewCipher(kek)
	if err != nil {
		return Skip("encrypted PDF: %v", err)
	}
	s.key = make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(s.key, []byte(ue[:32]))
	if perms, ok := permsObj.(string); ok && len(perms) >= 16 {
		block, err := aes.NewCipher(s.key)
		if err != nil {
			return Skip("encrypted PDF: %v", err)
		}
		var p [16]byte
		block.Decrypt(p[:], []byte(perms[:16])) // ECB: one block
		if string(p[9:12]) != "adb" {
			return Skip("encrypted PDF: /Perms does not match the file key")
		}
	}
	return nil
}

// pdfHashR6 is the hash of ISO 32000-2 §7.6.4.3.4 (Algorithm 2.B) for a
// password, an 8-byte salt and the 48-byte /U for owner hashes (nil for
// the user password). At least 64 rounds, each AES-128-CBC encrypting 64
// copies of password‖K‖udata and hashing the result with SHA-256, -384
// or -512 as the sum of its first 16 bytes modulo 3 says, until the
// last byte of the round's ciphertext is at most round-32.
func pdfHashR6(pw, salt, udata []byte) []byte {
	sum := sha256.Sum256(append(append(append([]byte(nil), pw...), salt...), udata...))
	k := sum[:]
	var e []byte
	for round := 0; round < 64 || int(e[len(e)-1]) > round-32; round++ {
		k1 := make([]byte, 0, 64*(len(pw)+len(k)+len(udata)))
		for range 64 {
			k1 = append(append(append(k1, pw...), k...), udata...)
		}
		block, _ := aes.NewCipher(k[:16]) // 16 bytes: cannot fail
		e = make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		// 256 ≡ 1 (mod 3), so the 128-bit number mod 3 is its byte sum mod 3.
		mod := 0
		for _, b := range e[:16] {
			mod += int(b)
		}
		var h hash.Hash
		switch mod % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		k = h.Sum(nil)
	}
	return k[:32]
}

// objectKey is the key for one object's strings and streams (ISO
// 32000-1 §7.6.2 Algorithm 1; ISO 32000-2 Algorithm 1.A for AES-256).
func (s *pdfSecurity) objectKey(m pdfCryptMethod, ref pdfRef) []byte {
	if m == pdfCryptAESV3 {
		return s.key
	}
	b := make([]byte, 0, len(s.key)+9)
	b = append(b, s.key...)
	b = append(b, byte(ref.num), byte(ref.num>>8), byte(ref.num>>16), byte(ref.gen), byte(ref.gen>>8))
	if m == pdfCryptAESV2 {
		b = append(b, "sAlT"...)
	}
	sum := md5.Sum(b)
	return sum[:min(len(s.key)+5, 16)]
}

// decrypt returns data of object ref decrypted with method m. AES data
// shorter than its IV decrypts to nothing; a ragged last block is
// dropped and bad padding left in place, as viewers do.
func (s *pdfSecurity) decrypt(m pdfCryptMethod, ref pdfRef, data []byte) ([]byte, error) {
	switch m {
	case pdfCryptIdentity:
		return data, nil
	case pdfCryptRC4:
		out := rc4Bytes(s.objectKey(m, ref), data)
		if out == nil {
			return nil, fmt.Errorf("pdf: bad RC4 key")
		}
		return out, nil
	}
	if len(data) < 32 {
		return nil, nil
	}
	block, err := aes.NewCipher(s.objectKey(m, ref))
	if err != nil {
		return nil, err
	}
	body := data[16 : 16+(len(data)-16)/16*16]
	out := make([]byte, len(body))
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, body)
	if pad := int(out[len(out)-1]); pad >= 1 && pad <= 16 && bytes.Count(out[len(out)-pad:], out[len(out)-1:]) == pad {
		out = out[:len(out)-pad]
	}
	return out, nil
}

// decryptObject decrypts, in place, the strings of a top-level object
// ref and marks its stream (if it is one) for decryption when read.
func (s *pdfSecurity) decryptObject(o any, ref pdfRef) any {
	var walk func(o any, depth int) any
	walk = func(o any, depth int) any {
		if depth > pdfMaxDepth {
			return o
		}
		switch v := o.(type) {
		case string:
			b, err := s.decrypt(s.str, ref, []byte(v))
			if err != nil {
				return ""
			}
			return string(b)
		case []any:
			for i, e := range v {
				v[i] = walk(e, depth+1)
			}
		case pdfDict:
			for k, e := range v {
				v[k] = walk(e, depth+1)
			}
		case *pdfStream:
			walk(v.dict, depth+1)
			switch {
			case v.dict["Type"] == pdfName("Metadata") && !s.encryptMetadata:
				v.crypt = pdfCryptIdentity
			case v.dict["Type"] == pdfName("EmbeddedFile"):
				v.crypt = s.eff
			default:
				v.crypt = s.stm
			}
			v.ref, v.encrypted = ref, true
		}
		return o
	}
	return walk(o, 0)
}

// streamData decrypts a stream's raw bytes and returns them with the
// filters still to apply: a leading /Crypt filter (ISO 32000-1 §7.4.10)
// picks the crypt filter named by its /DecodeParms /Name instead of
// /StmF.
func (r *pdfReader) streamData(st *pdfStream, filters []any) ([]byte, []any, error) {
	m, data := st.crypt, st.raw
	if len(filters) > 0 && r.resolve(filters[0]) == pdfName("Crypt") {
		name := pdfName("Identity")
		parms := r.resolve(st.dict["DecodeParms"])
		if arr, ok := parms.([]any); ok && len(arr) > 0 {
			parms = r.resolve(arr[0])
		}
		if d, ok := parms.(pdfDict); ok {
			if n, ok := r.resolve(d["Name"]).(pdfName); ok {
				name = n
			}
		}
		filters = filters[1:]
		m = pdfCryptIdentity
		if name != "Identity" {
			if r.sec == nil {
				return nil, nil, fmt.Errorf("pdf: crypt filter %s in a file without encryption", name)
			}
			var ok bool
			if m, ok = r.sec.filters[string(name)]; !ok {
				return nil, nil, fmt.Errorf("pdf: unknown crypt filter %s", name)
			}
		}
	}
	if !st.encrypted || r.sec == nil || m == pdfCryptIdentity {
		return data, filters, nil
	}
	// Decrypting copies the data: charge it to the document's budget
	// like inflating, since many pages may share one big stream.
	if len(data) > r.budget {
		return nil, nil, fmt.Errorf("pdf: decrypted streams past limit")
	}
	r.budget -= len(data)
	out, err := r.sec.decrypt(m, st.ref, data)
	return out, filters, err
}
