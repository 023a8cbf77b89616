package facts

// Dates as documents write them, in English, German, French, Dutch,
// Spanish, Italian, Polish and Portuguese.
//
// Formats read by FindDatesIn:
//
//   - ISO 8601 2025-11-28, with a time (2025-11-28T10:00:00+01:00), and
//     2025/11/28, 2025.11.28 (year first is always year-month-day);
//   - numeric 28/11/2025, 28.11.2025, 28-11-2025, 11/28/2025 and two-digit
//     years (28.11.25; 00-69 → 20xx, 70-99 → 19xx);
//   - day, month name, year: "28 Nov 2025", "28. November 2025",
//     "28-Nov-25", "28-Nov-2025", "3rd of March 2026", "le 1er juillet
//     2015", "2 de julio de 2015", "2 luglio 2015", "2 lipca 2015",
//     "2 de julho de 2015", "28 maart 2025", "28. März 2025" / "Maerz";
//   - month name, day, year: "Nov 28, 2025", "Sept. 3 2025";
//   - any of these after a weekday: "Tue, 5 May 2026", "Montag, den 28.
//     November 2025", "lundi 2 juillet 2015", "poniedziałek, 2 lipca 2015".
//
// Month and weekday names come from one table each (monthNames,
// weekdayNames): full names, abbreviations with or without a dot, the
// Polish genitive forms, and the same words without diacritics.
//
// The order of numeric day and month: day first in every language but
// English. In English or an unknown language the document decides: a
// numeric date whose first number is over 12 makes the ambiguous ones
// day first, one whose second number is over 12 makes them month first;
// without such evidence DateOptions.DayFirst decides, and without that
// they are read month first and marked Ambiguous. A dotted date
// (28.11.2025) is always day first when ambiguous. A date that can be
// read only one way is read that way in any language.
//
// Not dates: impossible days (2025-02-30), years outside 1900-2200,
// numbers glued to letters or other numbers (INV-2025-0042, v1.2.25,
// phone numbers such as +49 30 1234567), and two-part numbers (12.50,
// 2025-0042).

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"nexusos/internal/lazyregexp"
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

// monthNames lists, for each month, its names per language: full names,
// inflected forms and abbreviations (a trailing dot is always optional).
// Forms without diacritics are added automatically.
var monthNames = [12]map[string]string{
	{"en": "january jan", "de": "januar jänner jan", "fr": "janvier janv jan", "nl": "januari jan",
		"es": "enero ene", "it": "gennaio gen", "pl": "styczeń stycznia sty", "pt": "janeiro jan",
		"cs": "leden ledna", "ro": "ianuarie ian", "hu": "január", "fi": "tammikuu tammikuuta", "sv": "januari", "da": "januar", "no": "januar", "tr": "ocak"},
	{"en": "february feb", "de": "februar feber feb", "fr": "février févr fév", "nl": "februari feb",
		"es": "febrero feb", "it": "febbraio feb", "pl": "luty lutego lut", "pt": "fevereiro fev",
		"cs": "únor února", "ro": "februarie", "hu": "február febr", "fi": "helmikuu helmikuuta", "sv": "februari", "da": "februar", "no": "februar", "tr": "şubat şub"},
	{"en": "march mar", "de": "märz maerz mär mrz", "fr": "mars", "nl": "maart mrt mar",
		"es": "marzo mar", "it": "marzo mar", "pl": "marzec marca mar", "pt": "março mar",
		"cs": "březen března", "ro": "martie", "hu": "március márc", "fi": "maaliskuu maaliskuuta", "sv": "mars", "da": "marts", "no": "mars", "tr": "mart mar"},
	{"en": "april apr", "de": "april apr", "fr": "avril avr", "nl": "april apr",
		"es": "abril abr", "it": "aprile apr", "pl": "kwiecień kwietnia kwi", "pt": "abril abr",
		"cs": "duben dubna", "ro": "aprilie", "hu": "április ápr", "fi": "huhtikuu huhtikuuta", "sv": "april", "da": "april", "no": "april", "tr": "nisan nis"},
	{"en": "may", "de": "mai", "fr": "mai", "nl": "mei",
		"es": "mayo may", "it": "maggio mag", "pl": "maj maja", "pt": "maio mai",
		"cs": "květen května", "ro": "mai", "hu": "május máj", "fi": "toukokuu toukokuuta", "sv": "maj", "da": "maj", "no": "mai", "tr": "mayıs may"},
	{"en": "june jun", "de": "juni jun", "fr": "juin", "nl": "juni jun",
		"es": "junio jun", "it": "giugno giu", "pl": "czerwiec czerwca cze", "pt": "junho jun",
		"cs": "červen června", "ro": "iunie iun", "hu": "június jún", "fi": "kesäkuu kesäkuuta", "sv": "juni", "da": "juni", "no": "juni", "tr": "haziran haz"},
	{"en": "july jul", "de": "juli jul", "fr": "juillet juil", "nl": "juli jul",
		"es": "julio jul", "it": "luglio lug", "pl": "lipiec lipca lip", "pt": "julho jul",
		"cs": "červenec července", "ro": "iulie iul", "hu": "július júl", "fi": "heinäkuu heinäkuuta", "sv": "juli", "da": "juli", "no": "juli", "tr": "temmuz tem"},
	{"en": "august aug", "de": "august aug", "fr": "août aout", "nl": "augustus aug",
		"es": "agosto ago", "it": "agosto ago", "pl": "sierpień sierpnia sie", "pt": "agosto ago",
		"cs": "srpen srpna", "ro": "august", "hu": "augusztus", "fi": "elokuu elokuuta", "sv": "augusti", "da": "august", "no": "august", "tr": "ağustos ağu"},
	{"en": "september sept sep", "de": "september sept sep", "fr": "septembre sept", "nl": "september sept sep",
		"es": "septiembre setiembre sept sep", "it": "settembre set", "pl": "wrzesień września wrz", "pt": "setembro set",
		"cs": "září", "ro": "septembrie", "hu": "szeptember szept", "fi": "syyskuu syyskuuta", "sv": "september", "da": "september", "no": "september", "tr": "eylül eyl"},
	{"en": "october oct", "de": "oktober okt", "fr": "octobre oct", "nl": "oktober okt",
		"es": "octubre oct", "it": "ottobre ott", "pl": "październik października paź", "pt": "outubro out",
		"cs": "říjen října", "ro": "octombrie", "hu": "október", "fi": "lokakuu lokakuuta", "sv": "oktober", "da": "oktober", "no": "oktober", "tr": "ekim"},
	{"en": "november nov", "de": "november nov", "fr": "novembre nov", "nl": "november nov",
		"es": "noviembre nov", "it": "novembre nov", "pl": "listopad listopada lis", "pt": "novembro nov",
		"cs": "listopad listopadu", "ro": "noiembrie", "hu": "november", "fi": "marraskuu marraskuuta", "sv": "november", "da": "november", "no": "november", "tr": "kasım kas"},
	{"en": "december dec", "de": "dezember dez", "fr": "décembre déc", "nl": "december dec",
		"es": "diciembre dic", "it": "dicembre dic", "pl": "grudzień grudnia gru", "pt": "dezembro dez",
		"cs": "prosinec prosince", "ro": "decembrie", "hu": "december", "fi": "joulukuu joulukuuta", "sv": "december", "da": "december", "no": "desember", "tr": "aralık"},
}

// weekdayNames lists the weekdays per language, Monday first: full names
// (which may stand before a date with or without a comma) and, after a
// "|", abbreviations (which need a dot or a comma: "Tue, 5 May 2026").
var weekdayNames = map[string][7]string{
	"en": {"monday|mon", "tuesday|tue tues", "wednesday|wed", "thursday|thu thur thurs", "friday|fri", "saturday|sat", "sunday|sun"},
	"de": {"montag|mo", "dienstag|di", "mittwoch|mi", "donnerstag|do", "freitag|fr", "samstag sonnabend|sa", "sonntag|so"},
	"fr": {"lundi|lun", "mardi|mar", "mercredi|mer", "jeudi|jeu", "vendredi|ven", "samedi|sam", "dimanche|dim"},
	"nl": {"maandag|ma", "dinsdag|di", "woensdag|wo", "donderdag|do", "vrijdag|vr", "zaterdag|za", "zondag|zo"},
	"es": {"lunes|lun", "martes|mar", "miércoles|mié", "jueves|jue", "viernes|vie", "sábado|sáb", "domingo|dom"},
	"it": {"lunedì|lun", "martedì|mar", "mercoledì|mer", "giovedì|gio", "venerdì|ven", "sabato|sab", "domenica|dom"},
	"pl": {"poniedziałek|pon pn", "wtorek|wt", "środa|śr", "czwartek|czw", "piątek|pt", "sobota|sob", "niedziela|niedz nd"},
	"pt": {"segunda-feira segunda|seg", "terça-feira terça|ter", "quarta-feira quarta|qua", "quinta-feira quinta|qui",
		"sexta-feira sexta|sex", "sábado|sáb", "domingo|dom"},
}

// dayFirstLangs are the languages that write the day before the month.
var dayFirstLangs = map[string]bool{"de": true, "fr": true, "nl": true, "es": true, "it": true, "pl": true, "pt": true,
	"cs": true, "ro": true, "hu": true, "fi": true, "sv": true, "da": true, "no": true, "tr": true}

// plainLetters maps letters with diacritics to their base letters, for
// the forms of month and weekday names written without them.
var plainLetters = strings.NewReplacer("ä", "a", "é", "e", "è", "e", "û", "u", "ç", "c", "ń", "n", "ś", "s",
	"ź", "z", "ż", "z", "ł", "l", "ą", "a", "ę", "e", "ć", "c", "ó", "o", "á", "a", "ì", "i")

// nameIndex: months maps a lower-case month name or abbreviation (no dot)
// to its month; weekdays maps a lower-case weekday name to true for a full
// name, false for an abbreviation. Built on first use (names).
type nameIndex struct {
	months   map[string]time.Month
	weekdays map[string]bool
}

var names = sync.OnceValue(buildNameIndex)

// The patterns around a month name (the day before it; the year, or the
// day and the year, after it) and the numeric dates, anchored: they are
// tried only where they can start.
var (
	reDayBefore    = lazyregexp.New(`(?i)(\d{1,2})(?:st|nd|rd|th|er|re|ème|e|ste|\.?[º°ª])?\.?(\s+(?:of|de)\s+|\s*[-/]\s*|\s*)$`)
	reYearAfter    = lazyregexp.New(`^\.?(\s+(?:de|del)\s+|\s*[-/.]\s*|\s*,?\s*)(\d{4}|\d{2})`)
	reDayYearAfter = lazyregexp.New(`(?i)^(?:\.\s*|\s+)(\d{1,2})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)(\d{4})`)
	// The separators repeat; Hungarian dates put a space after each dot
	// ("2008. 10. 17.").
	reYMD = lazyregexp.New(`^(\d{4})([-/]|\. ?)(\d{1,2})([-/]|\. ?)(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|\s?[+-]\d{2}:?\d{2})?)?`)
	// reNengo: "2025年5月15日", "令和7年5月15日" (an era year), "2025年6月
	// 末日" (the month's last day), with the spaces OCR puts between the
	// characters.
	reNengo  = lazyregexp.New(`(令和|平成|昭和)?\s?(\d{1,4})\s?年\s?(\d{1,2})\s?月\s?(\d{1,2}|末)\s?日`)
	reNumDMY = lazyregexp.New(`^(\d{1,2})([-/.]| / | - )(\d{1,2})([-/.]| / | - )(\d{4}|\d{2})`)
)

func buildNameIndex() *nameIndex {
	x := &nameIndex{months: map[string]time.Month{}, weekdays: map[string]bool{}}
	for i, byLang := range monthNames {
		for _, ws := range byLang {
			for _, w := range strings.Fields(ws) {
				x.months[w] = time.Month(i + 1)
				x.months[plainLetters.Replace(w)] = time.Month(i + 1)
			}
		}
	}
	for _, days := range weekdayNames {
		for _, d := range days {
			f, a, _ := strings.Cut(d, "|")
			for _, w := range strings.Fields(a) {
				x.weekdays[w] = false
				x.weekdays[plainLetters.Replace(w)] = false
			}
			for _, w := range strings.Fields(f) {
				x.weekdays[w] = true
				x.weekdays[plainLetters.Replace(w)] = true
			}
		}
	}
	return x
}

// MonthByName returns the month for a month name or abbreviation in any of
// the languages of monthNames, in any case, with or without a trailing
// dot and diacritics: "Nov", "November", "März", "Maerz", "juil.",
// "lipca", "dezembro".
func MonthByName(s string) (time.Month, bool) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	m, ok := names().months[s]
	if !ok {
		m, ok = names().months[plainLetters.Replace(s)]
	}
	return m, ok
}

// DateMatch is one date found in text.
type DateMatch struct {
	Date       Date
	Start, End int // byte offsets of the match
	// Ambiguous marks a numeric date whose day and month could be swapped
	// (both 12 or less and different) and whose order nothing decided: it
	// was read month first.
	Ambiguous bool
}

// DateOptions tell FindDatesIn how to read a document's dates.
type DateOptions struct {
	Lang     string // ISO 639-1 code of the document's language; "" when unknown
	DayFirst int    // numeric dates: +1 day first, -1 month first, 0 decide (see the file comment)
}

func validDate(y int, m time.Month, d int) bool {
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// FindDates returns every date written in text (see the file comment for
// the formats), reading numeric dates by the detected language:
// FindDatesIn(text, DateOptions{Lang: DetectLanguage(text)}).
func FindDates(text string) []DateMatch {
	return FindDatesIn(text, DateOptions{Lang: DetectLanguage(text)})
}

// eraStart is the Gregorian year in which each Japanese era named on
// documents began (its year 1).
var eraStart = map[string]int{"令和": 2019, "平成": 1989, "昭和": 1926}

// numDate is a numeric date candidate before its order is decided.
type numDate struct {
	start, end int
	a, b, year int
	dot        bool
}

// FindDatesIn returns every date written in text, in text order and not
// overlapping. Where two readings overlap the one starting first (then
// the longer) wins.
func FindDatesIn(text string, o DateOptions) []DateMatch {
	var out []DateMatch
	add := func(s, e, y int, m time.Month, d int, amb bool) {
		if validDate(y, m, d) {
			out = append(out, DateMatch{Date: Date{y, m, d}, Start: s, End: e, Ambiguous: amb})
		}
	}
	for _, loc := range matchesAtRuns(reYMD, text, 4, 4) {
		if text[loc[4]:loc[5]] != text[loc[8]:loc[9]] || !numericEdges(text, loc[0], loc[1]) {
			continue
		}
		y := atoi(text[loc[2]:loc[3]])
		m := atoi(text[loc[6]:loc[7]])
		d := atoi(text[loc[10]:loc[11]])
		add(loc[0], loc[1], y, time.Month(m), d, false)
	}
	for _, loc := range reNengo.FindAllStringSubmatchIndex(text, -1) {
		y := atoi(text[loc[4]:loc[5]])
		if loc[2] >= 0 {
			y += eraStart[text[loc[2]:loc[3]]] - 1
		} else if y < 1000 {
			continue
		}
		m, d := time.Month(atoi(text[loc[6]:loc[7]])), atoi(text[loc[8]:loc[9]])
		if text[loc[8]:loc[9]] == "末" && m >= 1 && m <= 12 {
			d = time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
		}
		add(loc[0], loc[1], y, m, d, false)
	}
	for ws := 0; ws < len(text); {
		r, size := utf8.DecodeRuneInString(text[ws:])
		if !unicode.IsLetter(r) {
			ws += size
			continue
		}
		we := ws + size
		for we < len(text) {
			r, size := utf8.DecodeRuneInString(text[we:])
			if !unicode.IsLetter(r) {
				break
			}
			we += size
		}
		if s, e, d, ok := dateAroundMonth(text, ws, we); ok {
			add(s, e, d.Year, d.Month, d.Day, false)
		}
		ws = we
	}
	// Numeric day/month dates: collect, then decide the order.
	nums, dayFirst, monthFirst := numericDates(text)
	order := numericOrder(o, dayFirst, monthFirst)
	for _, n := range nums {
		asDM := validDate(n.year, time.Month(n.b), n.a)
		asMD := validDate(n.year, time.Month(n.a), n.b)
		switch {
		case asDM && (!asMD || order > 0 || order == 0 && n.dot):
			add(n.start, n.end, n.year, time.Month(n.b), n.a, false)
		default:
			add(n.start, n.end, n.year, time.Month(n.a), n.b, asDM && order == 0 && n.a != n.b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].End > out[j].End
	})
	kept := out[:0]
	for _, m := range out {
		if len(kept) > 0 && m.Start < kept[len(kept)-1].End {
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// dateAroundMonth reads the date around the word text[ws:we] when it is
// a month name: day month year ("28. Nov 2025", "2 de julio de 2015") or
// month day year ("Nov 28, 2025"), after an optional weekday.
func dateAroundMonth(text string, ws, we int) (start, end int, d Date, ok bool) {
	if we-ws < 3 || we-ws > 16 {
		return 0, 0, d, false
	}
	m, ok := MonthByName(text[ws:we])
	if !ok {
		return 0, 0, d, false
	}
	const window = 24
	left := text[max(0, ws-window):ws]
	right := text[we:min(len(text), we+window)]
	start = -1
	if loc := reDayBefore.FindStringSubmatchIndex(left); loc != nil {
		if ys := reYearAfter.FindStringSubmatchIndex(right); ys != nil {
			off := ws - len(left)
			y := atoi(right[ys[4]:ys[5]])
			sep := strings.TrimSpace(right[ys[2]:ys[3]])
			// "28 Nov 25": two digits after a space are not a year.
			if short := ys[5]-ys[4] == 2; !short || sep == "-" || sep == "/" || sep == "." {
				if short {
					y = pivotYear(y)
				}
				start, end = off+loc[2], we+ys[1]
				d = Date{y, m, atoi(left[loc[2]:loc[3]])}
			}
		}
	}
	if start < 0 {
		if ds := reDayYearAfter.FindStringSubmatchIndex(right); ds != nil {
			start, end = ws, we+ds[1]
			d = Date{atoi(right[ds[4]:ds[5]]), m, atoi(right[ds[2]:ds[3]])}
		}
	}
	if start < 0 || !wordEdge(text, start, true) || !wordEdge(text, end, false) || !validDate(d.Year, d.Month, d.Day) {
		return 0, 0, d, false
	}
	return weekdayBefore(text, start), end, d, true
}

// weekdayBefore returns where a weekday written before the date at start
// begins ("Tue, ", "Montag, den ", "lundi "), or start.
func weekdayBefore(text string, start int) int {
	i := skipSpaceBack(text, start)
	if i == start && i > 0 && text[i-1] != ',' && text[i-1] != '.' {
		return start
	}
	if w := wordBefore(text, i); w >= 0 {
		switch strings.ToLower(text[w:i]) {
		case "den", "le", "el", "il":
			i = skipSpaceBack(text, w)
		}
	}
	punct := i > 0 && (text[i-1] == ',' || text[i-1] == '.')
	if punct {
		i--
	}
	w := wordBefore(text, i)
	if w < 0 {
		return start
	}
	full, ok := names().weekdays[strings.ToLower(text[w:i])]
	if !ok || !full && !punct || !full && i == start {
		return start
	}
	return w
}

func skipSpaceBack(text string, i int) int {
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') {
		i--
	}
	return i
}

// wordBefore returns the start of the word (letters and inner hyphens)
// that ends at i, or -1.
func wordBefore(text string, i int) int {
	w := i
	for w > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:w])
		if !unicode.IsLetter(r) && !(r == '-' && w-size > 0 && w < i) {
			break
		}
		w -= size
	}
	if w == i || !wordEdge(text, w, true) || text[w] == '-' {
		return -1
	}
	return w
}

// numericDates returns the numeric day/month dates of text that can be
// read at least one way, and whether one of them can only be read day
// first, or only month first.
func numericDates(text string) (nums []numDate, dayFirst, monthFirst bool) {
	for _, loc := range matchesAtRuns(reNumDMY, text, 1, 2) {
		sep := text[loc[4]:loc[5]]
		if sep != text[loc[8]:loc[9]] || !numericEdges(text, loc[0], loc[1]) || versionBefore(text, loc[0]) {
			continue
		}
		// "22 / 11 / 2024", as designed templates space it: only with a
		// four-digit year, so that "1 - 2 - 25" in a table stays numbers.
		if len(sep) > 1 && loc[11]-loc[10] != 4 {
			continue
		}
		n := numDate{start: loc[0], end: loc[1], a: atoi(text[loc[2]:loc[3]]), b: atoi(text[loc[6]:loc[7]]), dot: sep == "."}
		n.year = atoi(text[loc[10]:loc[11]])
		if loc[11]-loc[10] == 2 {
			n.year = pivotYear(n.year)
		}
		asDM := validDate(n.year, time.Month(n.b), n.a)
		asMD := validDate(n.year, time.Month(n.a), n.b)
		if !asDM && !asMD {
			continue
		}
		dayFirst = dayFirst || asDM && !asMD
		monthFirst = monthFirst || asMD && !asDM
		nums = append(nums, n)
	}
	return nums, dayFirst, monthFirst
}

// numericOrder decides the order of ambiguous numeric dates: +1 day
// first, -1 month first, 0 undecided (month first, marked Ambiguous).
func numericOrder(o DateOptions, dayFirst, monthFirst bool) int {
	switch {
	case dayFirstLangs[o.Lang]:
		if o.DayFirst != 0 {
			return o.DayFirst
		}
		return 1
	case dayFirst && !monthFirst:
		return 1
	case monthFirst && !dayFirst:
		return -1
	}
	return o.DayFirst
}

// DateOrder returns how a document writes ambiguous numeric dates, as a
// DateOptions.DayFirst value: +1 day first, -1 month first, 0 unknown.
// It is the decision FindDatesIn makes for the whole text; pass it in
// DateOptions when reading parts of the document (a table cell, a line)
// on their own, so that they follow the document's evidence.
func DateOrder(text, lang string) int {
	_, dayFirst, monthFirst := numericDates(text)
	return numericOrder(DateOptions{Lang: lang}, dayFirst, monthFirst)
}

// matchesAtRuns runs the anchored re at each run of minLen to maxLen
// ASCII digits in text (a run is not preceded by a digit) and returns the
// submatch offsets in text, not overlapping. It is FindAll for patterns
// that start with such a run, without scanning every byte.
func matchesAtRuns(re *lazyregexp.Regexp, text string, minLen, maxLen int) [][]int {
	const window = 64
	var out [][]int
	next := 0
	for i := 0; i < len(text); {
		if !isDigitByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigitByte(text[j]) {
			j++
		}
		if n := j - i; n >= minLen && n <= maxLen && i >= next {
			if loc := re.FindStringSubmatchIndex(text[i:min(len(text), i+window)]); loc != nil {
				for k := range loc {
					if loc[k] >= 0 {
						loc[k] += i
					}
				}
				out = append(out, loc)
				next = loc[1]
			}
		}
		i = j
	}
	return out
}

// pivotYear reads a two-digit year: 00-69 → 2000-2069, 70-99 → 1970-1999.
func pivotYear(y int) int {
	if y < 70 {
		return 2000 + y
	}
	return 1900 + y
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// wordEdge reports whether offset i of text is a word boundary for a
// date starting (start) or ending there: no letter or digit across it.
func wordEdge(text string, i int, start bool) bool {
	var r rune
	if start {
		if i == 0 {
			return true
		}
		r, _ = utf8.DecodeLastRuneInString(text[:i])
	} else {
		if i >= len(text) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(text[i:])
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
}

// numericEdges reports whether the numeric date text[s:e] stands alone:
// not glued to letters or digits, and not one part of a longer chain of
// numbers ("1.2.3.4", "+33 06-12-34-56", "AB-12-03-25", "12-03-2025-7").
func numericEdges(text string, s, e int) bool {
	if !wordEdge(text, s, true) || !wordEdge(text, e, false) {
		return false
	}
	if s > 0 {
		switch text[s-1] {
		case '+', '#':
			return false
		case '-', '/', '.', ',':
			if !wordEdge(text, s-1, true) {
				return false
			}
		case ':':
			if s > 1 && text[s-2] >= '0' && text[s-2] <= '9' {
				return false
			}
		}
	}
	if e < len(text) && strings.IndexByte("-/.:,", text[e]) >= 0 && e+1 < len(text) && !wordEdge(text, e+1, false) {
		return false
	}
	return true
}

// versionBefore reports whether the word before offset i announces a
// version number ("v", "version", "release", "build").
func versionBefore(text string, i int) bool {
	j := i
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '.') {
		j--
	}
	k := j
	for k > 0 && (text[k-1] >= 'a' && text[k-1] <= 'z' || text[k-1] >= 'A' && text[k-1] <= 'Z') {
		k--
	}
	switch strings.ToLower(text[k:j]) {
	case "v", "ver", "version", "versione", "wersja", "release", "build", "rev", "revision":
		return true
	}
	return false
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

// ocrDigit returns the digit OCR reads c in place of, or 0 (a switch,
// not a table built at every start of the binary).
func ocrDigit(c byte) byte {
	switch c {
	case 'O', 'o', 'D', 'Q':
		return '0'
	case 'l', 'I', 'i', '|', '!':
		return '1'
	case 'Z', 'z':
		return '2'
	case 'S', 's':
		return '5'
	case 'B':
		return '8'
	}
	return 0
}

// reGluedTime is a numeric date with a time glued to its year
// ("07.10.202019:53").
var reGluedTime = lazyregexp.New(`^(\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2})(\d{1,2}:\d{2})`)

// repairDigits undoes what OCR does to numbers in text: letters taken
// for digits inside a number of at least two digits ("i979", "2O24"
// become "1979", "2024"), and a time glued to a numeric date's year
// ("07.10.202019:53" becomes "07.10.2020 19:53"). Spacing is normalised.
func repairDigits(text string) string {
	toks := strings.Fields(text)
	for k, t := range toks {
		digits, ok := 0, true
		for i := 0; i < len(t) && ok; i++ {
			switch c := t[i]; {
			case c >= '0' && c <= '9':
				digits++
			case strings.IndexByte("./-:,", c) >= 0 || ocrDigit(c) != 0:
			default:
				ok = false
			}
		}
		if !ok || digits < 2 {
			continue
		}
		b := []byte(t)
		for i, c := range b {
			if d := ocrDigit(c); d != 0 {
				b[i] = d
			}
		}
		toks[k] = reGluedTime.ReplaceAllString(string(b), "$1 $2")
	}
	return strings.Join(toks, " ")
}

// plausibleYear bounds the years a repaired reading may give.
func plausibleYear(d Date) bool { return d.Year >= 1970 && d.Year <= 2099 }

// RepairedDate reads a labelled date value that OCR damaged, when
// FindDatesIn reads none at its start: letters taken for digits or a
// glued time (repairDigits), or separators lost ("18012014",
// "0404/2017": eight digits read year first when they start with 19 or
// 20 and make a date so, else in the document's day/month order). Only
// the first 24 bytes are read, and years outside 1970–2099 are refused.
func RepairedDate(text string, o DateOptions) (Date, bool) {
	text = strings.TrimSpace(text)
	if len(text) > 24 {
		text = text[:24]
	}
	s := repairDigits(text)
	if ms := FindDatesIn(s, o); len(ms) > 0 && ms[0].Start == 0 && plausibleYear(ms[0].Date) {
		return ms[0].Date, true
	}
	// Eight digits with at most one separator left between them.
	first, _, _ := strings.Cut(s, " ")
	seps := 0
	var ds []byte
	for i := 0; i < len(first); i++ {
		switch c := first[i]; {
		case c >= '0' && c <= '9':
			ds = append(ds, c)
		case strings.IndexByte("./-", c) >= 0 && i > 0 && i < len(first)-1:
			seps++
		default:
			return Date{}, false
		}
	}
	if len(ds) != 8 || seps > 1 {
		return Date{}, false
	}
	n := func(a, b int) int { return atoi(string(ds[a:b])) }
	if y := n(0, 4); y >= 1970 && y <= 2099 && validDate(y, time.Month(n(4, 6)), n(6, 8)) {
		return Date{y, time.Month(n(4, 6)), n(6, 8)}, true
	}
	y, a, b := n(4, 8), n(0, 2), n(2, 4)
	if y < 1970 || y > 2099 {
		return Date{}, false
	}
	asDM := validDate(y, time.Month(b), a)
	asMD := validDate(y, time.Month(a), b)
	order := numericOrder(o, false, false)
	switch {
	case asDM && (!asMD || order > 0):
		return Date{y, time.Month(b), a}, true
	case asMD:
		return Date{y, time.Month(a), b}, true
	}
	return Date{}, false
}
