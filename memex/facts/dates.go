package facts

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date without time zone, as written in documents.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format("2006-01-02") }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Year == 0 }

// DateOf returns the calendar date of t in UTC.
func DateOf(t time.Time) Date {
	t = t.UTC()
	return Date{t.Year(), t.Month(), t.Day()}
}

var months = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
	"october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// MonthByName returns the month for an English month name or abbreviation.
func MonthByName(s string) (time.Month, bool) {
	m, ok := months[strings.ToLower(strings.TrimSuffix(s, "."))]
	return m, ok
}

const monthRe = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`

var (
	reISO     = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`)
	reDMY     = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(` + monthRe + `)\s*,?\s+(\d{4})\b`)
	reMDY     = regexp.MustCompile(`(?i)\b(` + monthRe + `)\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(\d{4})\b`)
	reNumeric = regexp.MustCompile(`\b(\d{1,2})([/.])(\d{1,2})([/.])(\d{4})\b`)
	reRFC822  = regexp.MustCompile(`(?i)\b(?:mon|tue|wed|thu|fri|sat|sun),\s+(\d{1,2})\s+(` + monthRe + `)\s+(\d{4})\b`)
)

// DateMatch is one date found in text.
type DateMatch struct {
	Date       Date
	Start, End int // byte offsets of the match
}

func validDate(y int, m time.Month, d int) bool {
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FindDates returns every date written in text in a common format:
// 2026-08-14, 14 Aug 2026, 14th of August 2026, August 14, 2026,
// Aug. 14 2026, 08/14/2026 and 14/08/2026 (month first unless the first
// number cannot be a month), 14.08.2026 (day first). Matches are in text
// order and do not overlap.
func FindDates(text string) []DateMatch {
	var out []DateMatch
	taken := func(s, e int) bool {
		for _, m := range out {
			if s < m.End && e > m.Start {
				return true
			}
		}
		return false
	}
	add := func(s, e, y int, m time.Month, d int) {
		if validDate(y, m, d) && !taken(s, e) {
			out = append(out, DateMatch{Date{y, m, d}, s, e})
		}
	}
	for _, loc := range reISO.FindAllStringSubmatchIndex(text, -1) {
		y, _ := strconv.Atoi(text[loc[2]:loc[3]])
		m, _ := strconv.Atoi(text[loc[4]:loc[5]])
		d, _ := strconv.Atoi(text[loc[6]:loc[7]])
		add(loc[0], loc[1], y, time.Month(m), d)
	}
	for _, loc := range reMDY.FindAllStringSubmatchIndex(text, -1) {
		m, _ := MonthByName(text[loc[2]:loc[3]])
		d, _ := strconv.Atoi(text[loc[4]:loc[5]])
		y, _ := strconv.Atoi(text[loc[6]:loc[7]])
		add(loc[0], loc[1], y, m, d)
	}
	for _, loc := range reDMY.FindAllStringSubmatchIndex(text, -1) {
		d, _ := strconv.Atoi(text[loc[2]:loc[3]])
		m, _ := MonthByName(text[loc[4]:loc[5]])
		y, _ := strconv.Atoi(text[loc[6]:loc[7]])
		add(loc[0], loc[1], y, m, d)
	}
	for _, loc := range reNumeric.FindAllStringSubmatchIndex(text, -1) {
		a, _ := strconv.Atoi(text[loc[2]:loc[3]])
		sep := text[loc[4]:loc[5]]
		b, _ := strconv.Atoi(text[loc[6]:loc[7]])
		if sep != text[loc[8]:loc[9]] {
			continue
		}
		y, _ := strconv.Atoi(text[loc[10]:loc[11]])
		if sep == "." || a > 12 {
			add(loc[0], loc[1], y, time.Month(b), a) // day first
		} else {
			add(loc[0], loc[1], y, time.Month(a), b) // US month first
		}
	}
	for _, loc := range reRFC822.FindAllStringSubmatchIndex(text, -1) {
		d, _ := strconv.Atoi(text[loc[2]:loc[3]])
		m, _ := MonthByName(text[loc[4]:loc[5]])
		y, _ := strconv.Atoi(text[loc[6]:loc[7]])
		add(loc[0], loc[1], y, m, d)
	}
	sortMatches(out)
	return out
}

func sortMatches(ms []DateMatch) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start < ms[j-1].Start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// ParseDate parses s when it is exactly one date in a FindDates format
// (surrounding space allowed).
func ParseDate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	ms := FindDates(s)
	if len(ms) != 1 || ms[0].Start != 0 || ms[0].End != len(s) {
		return Date{}, false
	}
	return ms[0].Date, true
}
