package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfCryptCases are the encrypted test files in testdata/pdfcrypt, made
// by qpdf from two corpus PDFs (see testdata/pdfcrypt/README.md); args
// are qpdf's arguments between the input and the output file.
var pdfCryptCases = []struct {
	file, source string
	args         []string
	skip         string // the Skip reason when the file cannot be read
}{
	{"microinv-rc4-40.pdf", "microinv-01.pdf", []string{"--allow-weak-crypto", "--encrypt", "", "owner-pw", "40", "--"}, ""},
	{"microinv-rc4-128.pdf", "microinv-01.pdf", []string{"--allow-weak-crypto", "--encrypt", "", "owner-pw", "128", "--use-aes=n", "--"}, ""},
	{"microinv-rc4-128-v4.pdf", "microinv-01.pdf", []string{"--allow-weak-crypto", "--encrypt", "", "owner-pw", "128", "--use-aes=n", "--force-V4", "--"}, ""},
	{"microinv-aes-128.pdf", "microinv-01.pdf", []string{"--encrypt", "", "owner-pw", "128", "--use-aes=y", "--"}, ""},
	{"xrviz-aes-128-cleartext-metadata.pdf", "xrviz-01.pdf", []string{"--encrypt", "", "owner-pw", "128", "--use-aes=y", "--cleartext-metadata", "--"}, ""},
	{"microinv-aes-256.pdf", "microinv-01.pdf", []string{"--encrypt", "", "owner-pw", "256", "--"}, ""},
	{"microinv-aes-256-r5.pdf", "microinv-01.pdf", []string{"--encrypt", "", "owner-pw", "256", "--force-R5", "--"}, ""},
	{"xrviz-aes-256-objstm.pdf", "xrviz-01.pdf", []string{"--object-streams=generate", "--encrypt", "", "owner-pw", "256", "--"}, ""},
	{"microinv-userpw-aes-256.pdf", "microinv-01.pdf", []string{"--encrypt", "user-pw", "owner-pw", "256", "--"}, errPDFPassword},
	{"microinv-userpw-rc4-128.pdf", "microinv-01.pdf", []string{"--allow-weak-crypto", "--encrypt", "user-pw", "owner-pw", "128", "--use-aes=n", "--"}, errPDFPassword},
}

const pdfCryptSources = "../testdata/real/docs"

// checkDecrypted reads an encrypted file and its unencrypted source and
// wants the same text and title, or the case's Skip reason.
func checkDecrypted(t *testing.T, name string, enc, plain []byte, skip string) {
	t.Helper()
	got, err := File(name, enc)
	if skip != "" {
		if !IsSkip(err) || err.Error() != skip {
			t.Fatalf("got %v, want skip %q", err, skip)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	want, err := File(name, plain)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != want.Text {
		t.Errorf("text differs from the unencrypted file's:\n got %q\nwant %q", got.Text, want.Text)
	}
	if got.Title != want.Title {
		t.Errorf("title %q, want %q", got.Title, want.Title)
	}
}

func TestPDFDecrypt(t *testing.T) {
	for _, c := range pdfCryptCases {
		t.Run(c.file, func(t *testing.T) {
			enc, err := os.ReadFile(filepath.Join("testdata/pdfcrypt", c.file))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := os.ReadFile(filepath.Join(pdfCryptSources, c.source))
			if err != nil {
				t.Fatal(err)
			}
			checkDecrypted(t, c.file, enc, plain, c.skip)
		})
	}
}

// TestPDFDecryptQPDF encrypts the sources afresh (new /ID, salts and
// IVs) where Debian's qpdf is installed; the committed files are
// enough for CI.
func TestPDFDecryptQPDF(t *testing.T) {
	qpdf, err := exec.LookPath("qpdf")
	if err != nil {
		t.Skip("qpdf not installed")
	}
	dir := t.TempDir()
	for _, c := range pdfCryptCases {
		t.Run(c.file, func(t *testing.T) {
			src := filepath.Join(pdfCryptSources, c.source)
			out := filepath.Join(dir, c.file)
			args := append(append(append([]string{}, c.args...), src), out)
			if b, err := exec.Command(qpdf, args...).CombinedOutput(); err != nil {
				t.Fatalf("qpdf %q: %v %s", args, err, b)
			}
			enc, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			checkDecrypted(t, c.file, enc, plain, c.skip)
		})
	}
}

// TestPDFDecryptGhostscript reads RC4 files from a second writer,
// Ghostscript's pdfwrite, where it is installed.
func TestPDFDecryptGhostscript(t *testing.T) {
	cmd, err := exec.LookPath("ps2pdf")
	if err != nil {
		t.Skip("ps2pdf (Debian ghostscript) not installed")
	}
	dir := t.TempDir()
	ps := filepath.Join(dir, "in.ps")
	if err := os.WriteFile(ps, []byte(`%!PS
/Helvetica findfont 14 scalefont setfont
72 720 moveto (Contoso Inc.) show
72 700 moveto (INVOICE C-77, Amount due: $1,200.00) show
showpage
`), 0o644); err != nil {
		t.Fatal(err)
	}
	gs := func(name string, args ...string) []byte {
		out := filepath.Join(dir, name)
		if b, err := exec.Command(cmd, append(args, ps, out)...).CombinedOutput(); err != nil {
			t.Fatalf("ps2pdf %q: %v %s", args, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plain := gs("plain.pdf")
	for _, c := range []struct {
		name string
		args []string
		skip string
	}{
		{"rc4-40", []string{"-sOwnerPassword=owner", "-dEncryptionR=2", "-dKeyLength=40"}, ""},
		{"rc4-128", []string{"-sOwnerPassword=owner", "-dEncryptionR=3", "-dKeyLength=128"}, ""},
		{"user password", []string{"-sOwnerPassword=owner", "-sUserPassword=user", "-dEncryptionR=3", "-dKeyLength=128"}, errPDFPassword},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkDecrypted(t, c.name+".pdf", gs(c.name+".pdf", c.args...), plain, c.skip)
		})
	}
}

// Fixed parts of the hand-made AES-128 (V 4, R 4) file below.
var (
	synthO   = strings.Repeat("\x5a", 32)
	synthID  = "0123456789abcdef"
	synthKey = pdfFileKeyRC4(16, 4, synthO, -4, synthID, true)
)

// synthEncrypt is the valid encryption dictionary of the hand-made file.
func synthEncrypt() string {
	u := string(pdfUserHash(synthKey, 4, synthID)) + strings.Repeat("\x00", 16)
	return fmt.Sprintf("<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /Length 16 /AuthEvent /DocOpen >> >> /StmF /StdCF /StrF /StdCF /O <%x> /U <%x> /P -4 >>", synthO, u)
}

// synthAES encrypts data of object num (generation 0) for /AESV2 with
// the IV made from seed.
func synthAES(num int, data []byte, seed byte) []byte {
	s := &pdfSecurity{key: synthKey}
	block, _ := aes.NewCipher(s.objectKey(pdfCryptAESV2, pdfRef{num, 0}))
	pad := 16 - len(data)%16
	data = append(append([]byte(nil), data...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := append(bytes.Repeat([]byte{seed}, 16), make([]byte, len(data))...)
	cipher.NewCBCEncrypter(block, out[:16]).CryptBlocks(out[16:], data)
	return out
}

// synthPDF builds an AES-128 file by hand with what qpdf does not write:
// a stream with an indirect /Length whose ciphertext ends in a newline
// (the endstream fallback trims it), an unencrypted stream marked with
// an /Identity /Crypt filter, and an encrypted title. encrypt is the
// /Encrypt object; text is shown by the encrypted stream.
func synthPDF(encrypt, text string) []byte {
	content := []byte("BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET")
	var enc []byte
	for seed := 0; seed < 256; seed++ {
		if enc = synthAES(4, content, byte(seed)); enc[len(enc)-1] == '\n' || enc[len(enc)-1] == '\r' {
			break
		}
	}
	plain := []byte("BT /F1 12 Tf 72 700 Td (Plain part) Tj ET")
	return bytes.Replace(buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 7 0 R] >>",
		fmt.Sprintf("<< /Length 6 0 R >>\nstream\n%s\nendstream", enc),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprint(len(enc)),
		stream("/Filter [/Crypt] /DecodeParms [<< /Name /Identity >>]", plain),
		fmt.Sprintf("<< /Title <%x> >>", synthAES(8, []byte("Secret Title"), 7)),
		encrypt,
	}, 1), []byte("/Root 1 0 R"), fmt.Appendf(nil, "/Root 1 0 R /Info 8 0 R /Encrypt 9 0 R /ID [<%x> <%x>]", synthID, synthID), 1)
}

func TestPDFDecryptSynthetic(t *testing.T) {
	pdf := synthPDF(synthEncrypt(), "Encrypted part")
	if !bytes.Contains(pdf, []byte("\n\nendstream")) && !bytes.Contains(pdf, []byte("\r\nendstream")) {
		t.Fatal("no IV makes the ciphertext end in a newline")
	}
	d, err := File("s.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Encrypted part\nPlain part"; d.Text != want {
		t.Errorf("text %q, want %q", d.Text, want)
	}
	if d.Title != "Secret Title" {
		t.Errorf("title %q", d.Title)
	}
}

// TestPDFDecryptMalformed: broken encryption dictionaries are skipped
// with a reason, never read as noise.
func TestPDFDecryptMalformed(t *testing.T) {
	valid := synthEncrypt()
	u := string(pdfUserHash(synthKey, 4, synthID)) + strings.Repeat("\x00", 16)
	uHex := hex.EncodeToString([]byte(u))
	for _, c := range []struct{ name, old, new, reason string }{
		{"public key", "/Filter /Standard", "/Filter /Adobe.PubSec", "security handler /Adobe.PubSec is not supported"},
		{"no V", "/V 4 ", "", "/V or /R missing in the encryption dictionary"},
		{"V 3", "/V 4 ", "/V 3 ", "V 3 R 4 not supported"},
		{"R as name", "/R 4 ", "/R /Four ", "/V or /R missing in the encryption dictionary"},
		{"unknown method", "/CFM /AESV2", "/CFM /Foo", "crypt filter method /Foo not supported"},
		{"AESV3 in V 4", "/CFM /AESV2", "/CFM /AESV3", "crypt filter StdCF does not fit V 4"},
		{"missing filter", "/StmF /StdCF", "/StmF /Other", "/StmF names no crypt filter"},
		{"short U", "/U <" + uHex + ">", "/U <00>", "/O or /U shorter than 32 bytes"},
		{"no P", "/P -4", "", "/P missing or not an integer"},
		{"wrong U", "/U <" + uHex[:4], "/U <ffff", errPDFPassword},
		{"other P", "/P -4", "/P -8", errPDFPassword},
		{"key length", "/CFM /AESV2 /Length 16 ", "/CFM /V2 /Length 4096 ", "key length 4096 bits not supported"},
		{"no filter", "/Filter /Standard", "", "security handler (none) is not supported"},
		{"AESV2 in V 5", "/V 4 /R 4", "/V 5 /R 6", "crypt filter StdCF does not fit V 5"},
		{"R6 no UE", "/V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2", "/V 5 /R 6 /Length 256 /CF << /StdCF << /CFM /AESV3", "/U or /UE too short for AES-256"},
		{"not a dict", valid, "(nothing)", "unreadable /Encrypt dictionary"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.old) {
				t.Fatalf("%q not in %q", c.old, valid)
			}
			_, err := File("m.pdf", synthPDF(strings.Replace(valid, c.old, c.new, 1), "x"))
			if !IsSkip(err) || !strings.HasSuffix(err.Error(), c.reason) {
				t.Errorf("got %v, want skip %q", err, c.reason)
			}
		})
	}
}

// TestPDFDecryptR6Hash checks Algorithm 2.B against the /U of a qpdf
// file: its first 32 bytes are the hash of the empty password and the
// validation salt that follows them.
func TestPDFDecryptR6Hash(t *testing.T) {
	data, err := os.ReadFile("testdata/pdfcrypt/microinv-aes-256.pdf")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("/U <"))
	if i < 0 || len(data) < i+4+96 {
		t.Fatal("no /U")
	}
	u := decodeHexString(data[i+4 : i+4+96])
	if got := pdfHashR6(nil, u[32:40], nil); !bytes.Equal(got, u[:32]) {
		t.Errorf("hash %x, want %x", got, u[:32])
	}
}

// FuzzPDFDecrypt: any encryption dictionary and text give a document
// or a Skip; the valid dictionary gives back the text.
func FuzzPDFDecrypt(f *testing.F) {
	valid := synthEncrypt()
	f.Add(valid, "Total 12.50")
	f.Add(strings.Replace(valid, "/V 4 /R 4", "/V 5 /R 6", 1), "x")
	f.Add(strings.Replace(valid, "/CFM /AESV2", "/CFM /V2", 1), "x")
	f.Add("<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 /Length 128 >>", "x")
	f.Add("<< /Filter /Standard /V 5 /R 6 /O <00> /U <00> /UE <00> /Perms <00> /P -4 >>", "x")
	f.Fuzz(func(t *testing.T, encrypt, text string) {
		text = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, text)
		d, err := File("f.pdf", synthPDF(encrypt, text))
		if err != nil {
			if !IsSkip(err) && err != errNoTextLayer {
				t.Fatalf("not a skip: %v", err)
			}
			return
		}
		if encrypt == valid && !strings.Contains(d.Text, text) {
			t.Fatalf("text %q lost: %q", text, d.Text)
		}
	})
}

// addPDFCryptSeeds adds the encrypted test files to FuzzFile's seeds.
func addPDFCryptSeeds(f *testing.F) {
	for _, c := range pdfCryptCases {
		b, err := os.ReadFile(filepath.Join("testdata/pdfcrypt", c.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.file, b)
	}
	f.Add("s.pdf", synthPDF(synthEncrypt(), "Total"))
}
