package facts

import (
	"strings"
	"testing"
	"time"
)

func TestFindDatesIn(t *testing.T) {
	cases := []struct {
		lang string
		in   string
		want []string // dates in order; a trailing "?" marks Ambiguous
	}{
		// ISO 8601 and year-first
		{"", "2025-11-28", []string{"2025-11-28"}},
		{"", "at 2025-11-28T10:00:00+01:00 sharp", []string{"2025-11-28"}},
		{"", "2025-11-28 10:00", []string{"2025-11-28"}},
		{"", "2025-11-28T10:00:00.123Z", []string{"2025-11-28"}},
		{"", "2025/11/28 and 2025.11.28", []string{"2025-11-28", "2025-11-28"}},
		{"", "2025-11/28", nil},
		// numeric, day first by language
		{"de", "Datum: 03.04.2025", []string{"2025-04-03"}},
		{"fr", "le 03/04/2025", []string{"2025-04-03"}},
		{"nl", "03-04-2025", []string{"2025-04-03"}},
		{"es", "03/04/25", []string{"2025-04-03"}},
		{"it", "3/4/2025", []string{"2025-04-03"}},
		{"pl", "03.04.2025", []string{"2025-04-03"}},
		{"pt", "03/04/2025", []string{"2025-04-03"}},
		{"de", "12/25/2025", []string{"2025-12-25"}}, // only one reading
		{"en", "22 / 11 / 2024 | 29 / 11 / 2024", []string{"2024-11-22", "2024-11-29"}},
		{"en", "rows 1 - 2 - 25", nil}, // spaced: four-digit years only
		{"de", "28.11.25", []string{"2025-11-28"}},
		{"de", "28.11.99", []string{"1999-11-28"}},
		{"de", "1.2.69 1.2.70", []string{"2069-02-01", "1970-02-01"}},
		// English / unknown: the document decides
		{"en", "03/04/2025", []string{"2025-03-04?"}},
		{"", "03/04/2025", []string{"2025-03-04?"}},
		{"en", "03/04/2025 and 25/12/2025", []string{"2025-04-03", "2025-12-25"}},
		{"en", "03/04/2025 and 12/25/2025", []string{"2025-03-04", "2025-12-25"}},
		{"en", "03/03/2025", []string{"2025-03-03"}},
		{"en", "03.04.2025", []string{"2025-04-03"}}, // dotted: day first
		{"en", "11/28/25", []string{"2025-11-28"}},
		// month names
		{"en", "28 Nov 2025", []string{"2025-11-28"}},
		{"en", "28-Nov-25", []string{"2025-11-28"}},
		{"en", "28-Nov-2025", []string{"2025-11-28"}},
		{"en", "28 Nov. 2025", []string{"2025-11-28"}},
		{"en", "Nov 28, 2025", []string{"2025-11-28"}},
		{"en", "November 28th, 2025", []string{"2025-11-28"}},
		{"en", "the 1st of December 2025", []string{"2025-12-01"}},
		{"en", "Sept. 3 2025", []string{"2025-09-03"}},
		{"en", "Friday, 28 November 2025", []string{"2025-11-28"}},
		{"en", "Fri, 28 Nov 2025 10:00:00 +0000", []string{"2025-11-28"}},
		{"en", "Friday, November 28, 2025", []string{"2025-11-28"}},
		{"de", "28. November 2025", []string{"2025-11-28"}},
		{"de", "28. März 2025", []string{"2025-03-28"}},
		{"de", "28. Maerz 2025", []string{"2025-03-28"}},
		{"de", "28. MÄRZ 2025", []string{"2025-03-28"}},
		{"de", "Freitag, den 28. November 2025", []string{"2025-11-28"}},
		{"de", "1. Jan. 2026", []string{"2026-01-01"}},
		{"de", "3. Dez 2025", []string{"2025-12-03"}},
		{"fr", "le 2 juillet 2015", []string{"2015-07-02"}},
		{"fr", "1er janvier 2025", []string{"2025-01-01"}},
		{"fr", "lundi 1er décembre 2025", []string{"2025-12-01"}},
		{"fr", "2 févr. 2025", []string{"2025-02-02"}},
		{"fr", "15 aout 2025", []string{"2025-08-15"}},
		{"nl", "28 maart 2025", []string{"2025-03-28"}},
		{"nl", "vrijdag 28 mrt 2025", []string{"2025-03-28"}},
		{"es", "2 de julio de 2015", []string{"2015-07-02"}},
		{"es", "miércoles, 2 de julio de 2025", []string{"2025-07-02"}},
		{"es", "1º de enero de 2025", []string{"2025-01-01"}},
		{"it", "2 luglio 2015", []string{"2015-07-02"}},
		{"it", "lunedì 1° settembre 2025", []string{"2025-09-01"}},
		{"pl", "2 lipca 2015", []string{"2015-07-02"}},
		{"pl", "Warszawa, 5 października 2025 r.", []string{"2025-10-05"}},
		{"pl", "poniedziałek, 1 grudnia 2025", []string{"2025-12-01"}},
		{"pl", "1 paź 2025", []string{"2025-10-01"}},
		{"pt", "2 de julho de 2015", []string{"2015-07-02"}},
		{"pt", "segunda-feira, 1 de dezembro de 2025", []string{"2025-12-01"}},
		{"pt", "15 de março de 2025", []string{"2025-03-15"}},
		// not dates
		{"en", "Invoice INV-2025-0042", nil},
		{"en", "Call +49 30 1234567", nil},
		{"en", "2025-0042", nil},
		{"en", "Total 12.50 and 3.14", nil},
		{"en", "version 1.2.25", nil},
		{"en", "v1.2.25", nil},
		{"en", "1.2.3.4", nil},
		{"en", "INV-12-03-25", nil},
		{"en", "12-03-2025-7", nil},
		{"en", "2026-02-30 and 31/04/2025", nil},
		{"en", "13/13/2026", nil},
		{"en", "01/01/1850 and 01/01/2250", nil},
		{"en", "+33 06-12-34-56-78", nil},
		{"en", "28 Nov 25 items", nil},
		{"en", "Omar, 5 may 2025", []string{"2025-05-05"}},
		{"en", "15 Julia 2020", nil},
		{"en", "at 10:12.03.2025", nil},
	}
	for _, c := range cases {
		got := FindDatesIn(c.in, DateOptions{Lang: c.lang})
		var gs []string
		for _, m := range got {
			s := m.Date.String()
			if m.Ambiguous {
				s += "?"
			}
			gs = append(gs, s)
			if m.Start < 0 || m.End > len(c.in) || m.Start >= m.End {
				t.Errorf("%q: bad span %d-%d", c.in, m.Start, m.End)
			}
		}
		if strings.Join(gs, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s %q: got %v want %v", c.lang, c.in, gs, c.want)
		}
	}
}

func TestDateOptionsDayFirst(t *testing.T) {
	for _, c := range []struct {
		lang     string
		dayFirst int
		in, want string
		amb      bool
	}{
		{"en", 1, "03/04/2025", "2025-04-03", false},
		{"en", -1, "03/04/2025", "2025-03-04", false},
		{"", 0, "03/04/2025", "2025-03-04", true},
		{"de", -1, "03/04/2025", "2025-03-04", false},
		{"de", 0, "03/04/2025", "2025-04-03", false},
		// the document's evidence beats the option in English
		{"en", -1, "03/04/2025 25/12/2025", "2025-04-03", false},
	} {
		ms := FindDatesIn(c.in, DateOptions{Lang: c.lang, DayFirst: c.dayFirst})
		if len(ms) == 0 || ms[0].Date.String() != c.want || ms[0].Ambiguous != c.amb {
			t.Errorf("%+v: got %+v", c, ms)
		}
	}
}

func TestDateOrder(t *testing.T) {
	for _, c := range []struct {
		lang, text string
		want       int
	}{
		{"en", "Issued 03/04/2025, due 25/12/2025", 1},
		{"en", "Issued 03/04/2025, due 12/25/2025", -1},
		{"en", "Issued 03/04/2025", 0},
		{"", "03/04/2025 25/12/2025 12/25/2025", 0},
		{"de", "03/04/2025 12/25/2025", 1},
		{"fr", "", 1},
	} {
		if got := DateOrder(c.text, c.lang); got != c.want {
			t.Errorf("DateOrder(%q, %q) = %d want %d", c.text, c.lang, got, c.want)
		}
		// A part read with the document's order follows it.
		o := DateOptions{Lang: c.lang, DayFirst: DateOrder(c.text, c.lang)}
		if ms := FindDatesIn("03/04/2025", o); len(ms) != 1 || (c.want > 0) != (ms[0].Date.Month == 4) {
			t.Errorf("%q: part read as %+v", c.text, ms)
		}
	}
}

func TestDateSpans(t *testing.T) {
	for in, want := range map[string]string{
		"Date: Tue, 5 May 2026 10:00":     "Tue, 5 May 2026",
		"Datum: Montag, 1. Dezember 2025": "Montag, 1. Dezember 2025",
		"Due 2026-01-05T10:11:12Z.":       "2026-01-05T10:11:12Z",
		"Fecha: 2 de julio de 2015.":      "2 de julio de 2015",
		"issued 28-Nov-25, due":           "28-Nov-25",
	} {
		ms := FindDatesIn(in, DateOptions{})
		if len(ms) != 1 || in[ms[0].Start:ms[0].End] != want {
			t.Errorf("%q: got %+v, want span %q", in, ms, want)
		}
	}
}

func TestFindDatesDetectsLanguage(t *testing.T) {
	de := "Rechnung Nr. 4711\nRechnungsdatum: 03.04.2025\nBitte zahlen Sie den Betrag bis zum 03/05/2025 auf unser Konto."
	got := FindDates(de)
	if len(got) != 2 || got[0].Date.String() != "2025-04-03" || got[1].Date.String() != "2025-05-03" {
		t.Errorf("German: %+v", got)
	}
	en := "Invoice date: 03/04/2025\nPlease pay the amount due by 04/05/2025. Thank you for your business."
	got = FindDates(en)
	if len(got) != 2 || got[0].Date.String() != "2025-03-04" || !got[0].Ambiguous {
		t.Errorf("English: %+v", got)
	}
}

func TestMonthByName(t *testing.T) {
	for s, want := range map[string]time.Month{
		"Nov": 11, "november": 11, "Sept.": 9, "März": 3, "maerz": 3, "MARZ": 3, "juil.": 7, "août": 8, "aout": 8,
		"lipca": 7, "października": 10, "pazdziernika": 10, "dezembro": 12, "maart": 3, "mei": 5, "giugno": 6,
		"setiembre": 9, "luty": 2, "Dec": 12, "may": 5,
	} {
		if m, ok := MonthByName(s); !ok || m != want {
			t.Errorf("%q: got %v %v want %v", s, m, ok, want)
		}
	}
	for _, s := range []string{"", "foo", "novembre2", "month"} {
		if _, ok := MonthByName(s); ok {
			t.Errorf("%q read as a month", s)
		}
	}
}

// TestMonthTableConsistent: a name must not mean two months.
func TestMonthTableConsistent(t *testing.T) {
	seen := map[string]int{}
	for i, byLang := range monthNames {
		for lang, ws := range byLang {
			for _, w := range strings.Fields(ws) {
				for _, f := range []string{w, plainLetters.Replace(w)} {
					if j, ok := seen[f]; ok && j != i {
						t.Errorf("%s %q is month %d and %d", lang, f, j+1, i+1)
					}
					seen[f] = i
				}
			}
		}
		for _, l := range Languages {
			if byLang[l] == "" && !scriptLanguages[l] {
				t.Errorf("month %d has no %s names", i+1, l)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]string{
		" 2025-11-28 ": "2025-11-28", "28 Nov 2025": "2025-11-28", "2 de julio de 2015": "2015-07-02",
	} {
		if d, ok := ParseDate(s); !ok || d.String() != want {
			t.Errorf("%q: %v %v", s, d, ok)
		}
	}
	for _, s := range []string{"INV-2026-0042", "28 Nov 2025 x", "12.50", ""} {
		if d, ok := ParseDate(s); ok {
			t.Errorf("%q parsed as %v", s, d)
		}
	}
}

func FuzzFindDates(f *testing.F) {
	for _, s := range []string{"2025-11-28T10:00:00Z", "28. März 2025", "le 1er juillet 2015", "03/04/25",
		"Nov 28, 2025", "2 de julio de 2015", "poniedziałek, 2 lipca 2015", "INV-2025-0042", "+49 30 1234567", "1.2.3.4"} {
		f.Add(s, "")
		f.Add(s, "de")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		for _, df := range []int{-1, 0, 1} {
			ms := FindDatesIn(s, DateOptions{Lang: lang, DayFirst: df})
			prev := 0
			for _, m := range ms {
				if !validDate(m.Date.Year, m.Date.Month, m.Date.Day) {
					t.Fatalf("invalid date %v", m.Date)
				}
				if m.Start < prev || m.End <= m.Start || m.End > len(s) {
					t.Fatalf("bad span %d-%d after %d in %q", m.Start, m.End, prev, s)
				}
				prev = m.End
			}
		}
		FindDates(s)
	})
}

func TestHungarianDates(t *testing.T) {
	ms := FindDatesIn("Számla kelte: 2008. 10. 17. Teljesítés: 2008.10.18", DateOptions{Lang: "hu"})
	if len(ms) != 2 || ms[0].Date.String() != "2008-10-17" || ms[1].Date.String() != "2008-10-18" {
		t.Fatalf("%+v", ms)
	}
	if ms := FindDatesIn("2008. 10-17", DateOptions{}); len(ms) != 0 {
		t.Errorf("mixed separators read as a date: %+v", ms)
	}
}

func TestRepairedDate(t *testing.T) {
	dm := DateOptions{DayFirst: 1}
	for _, c := range []struct {
		in   string
		o    DateOptions
		want string
	}{
		{"0404/2017", DateOptions{}, "2017-04-04"},
		{"18012014 > ©", DateOptions{Lang: "fi"}, "2014-01-18"},
		{"20240105", DateOptions{}, "2024-01-05"},
		{"02032024", dm, "2024-03-02"},
		{"02032024", DateOptions{DayFirst: -1}, "2024-02-03"},
		{"December 31, i979", DateOptions{}, "1979-12-31"},
		{"2O24-O3-15", DateOptions{}, "2024-03-15"},
		{"07.10.202019:53", dm, "2020-10-07"},
		// Refused: not eight digits, a year out of range, two separators
		// lost in a longer number, words.
		{"1234567", DateOptions{}, ""},
		{"12345678", DateOptions{}, ""},
		{"01/02/03/04", DateOptions{}, ""},
		{"31132024", dm, ""},
		{"Sold out", DateOptions{}, ""},
		{"BOB 12", DateOptions{}, ""},
	} {
		d, ok := RepairedDate(c.in, c.o)
		got := ""
		if ok {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("RepairedDate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRepairDigitsLeavesWords(t *testing.T) {
	for in, want := range map[string]string{
		"Invoice SOLD to BOB":     "Invoice SOLD to BOB", // no digits: words stay
		"Total 1O.5O EUR":         "Total 10.50 EUR",
		"SAAT :: 07.10.202019:53": "SAAT :: 07.10.2020 19:53",
	} {
		if got := repairDigits(in); got != want {
			t.Errorf("repairDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
