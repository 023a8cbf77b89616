package ocr

import (
	"strings"
	"testing"
)

func TestConfidentCJK(t *testing.T) {
	row := func(conf, text string) string {
		return strings.Join([]string{"5", "1", "1", "1", "1", "1", "10", "10", "20", "20", conf, text}, "\t")
	}
	tsv := strings.Join([]string{
		"level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
		row("91.5", "請求書"),    // 3 confident characters
		row("88", "INV-001"),  // Latin: none
		row("40", "番号"),       // not confident
		row("75", "サンプル株式会社"), // 8
		"4\t1\t1\t1\t1\t0\t10\t10\t20\t20\t-1\t",
	}, "\n")
	if n := confidentCJK([]byte(tsv)); n != 11 {
		t.Errorf("confidentCJK = %d, want 11", n)
	}
}
