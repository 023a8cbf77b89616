package query

import (
	"strconv"
	"strings"
	"time"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/facts"
)

// Times: a question names a period as an absolute date expression (a day,
// month, quarter, half or year, with or without its year), as a range of
// two of them, as an open bound ("since", "before", "until"), or relative
// to now ("last 30 days", "next month", "today").

const monthAlt = `jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`

const (
	ord   = `(?:st|nd|rd|th)?`
	month = `(?:` + monthAlt + `)\b\.?`
	year  = `(?:\s*,?\s*(?:19|20)\d{2}\b)`
	// dateAlt is one absolute date expression, longest forms first
	// (alternation is leftmost-first).
	dateAlt = `(?:` +
		`\d{4}-\d{1,2}-\d{1,2}\b|\d{4}/\d{1,2}/\d{1,2}\b|` +
		`\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b|` +
		month + `\s*\d{1,2}` + ord + `\b` + year + `?|` +
		`\d{1,2}` + ord + `\s*(?:of\s+)?` + month + year + `?|` +
		`q[1-4]\b(?:\s*(?:of\s+)?(?:19|20)\d{2}\b)?|(?:19|20)\d{2}\s*q[1-4]\b|` +
		`(?:the\s+)?(?:first|second|1st|2nd)\s+half\s+(?:of\s+)?(?:(?:19|20)\d{2}\b|this year|last year|next year)|h[12]\s*(?:19|20)\d{2}\b|` +
		month + year + `?|` +
		`(?:19|20)\d{2}\b|` +
		`the\s+\d{1,2}(?:st|nd|rd|th)\b` +
		`)`
	rangeSep = `\s*(?:and|to|until|till|through|thru|-|–)\s*`
)

var (
	reDateRange = lazyregexp.New(`\b(?:(between|from)\s+)?(` + dateAlt + `)` + rangeSep + `(` + dateAlt + `)`)
	reDateOpen  = lazyregexp.New(`\b(since|after|before|until|till|through|prior to|as of|starting|starting from|no later than|earlier than|later than|by)\s+(` + dateAlt + `)`)
	reDateOn    = lazyregexp.New(`\b(?:(on|dated|for|in|during|from|of|at)\s+)?(` + dateAlt + `)`)
	reRelN      = lazyregexp.New(`\b(?:(in|within|over|during|for)\s+)?(?:the\s+)?(last|past|previous|next|coming|upcoming|following)\s+(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twelve|few)\s+(days?|weeks?|months?|quarters?|years?)\b`)
	reWithinN   = lazyregexp.New(`\bwithin\s+(?:the\s+)?(\d{1,3})\s+(days?|weeks?|months?)\b`)
	reRelUnit   = lazyregexp.New(`\b(?:(?:in|during|for|from|of|over)\s+)?(?:the\s+)?(last|this|previous|past|current|next|coming)\s+(week|month|quarter|year)\b`)
	reDayWord   = lazyregexp.New(`\b(?:(?:on|for|from|of)\s+)?(today|yesterday|tomorrow)\b`)
	reYTD       = lazyregexp.New(`\b(?:year to date|ytd|so far this year)\b`)
	reOlderThan = lazyregexp.New(`\b(older|more)\s+than\s+(\d{1,3})\s+(days|weeks|months)(?:\s+old)?\b`)
	reNotYetDue = lazyregexp.New(`\b(?:(?:are|is)\s+)?not\s+(?:yet\s+)?due(?:\s+yet)?\b`)
	// reDateWord finds the date a period applies to in the words just
	// before it ("due in the next 30 days", "sent on", "paid between").
	reDateWord = lazyregexp.New(`\b(due|paid|issued|sent|dated|received|billed|invoiced|mailed|emailed|written|to pay)\b(?:\s+(?:in|on|by|date|dates|day|within|during|the|at|was|were|is|are|been|for|exactly|sometime))*\s*$`)

	reISO     = lazyregexp.New(`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$`)
	reNumeric = lazyregexp.New(`^(\d{1,2})([/.])(\d{1,2})[/.](\d{4}|\d{2})$`)
	reMD      = lazyregexp.New(`^(` + monthAlt + `)\.?\s*(\d{1,2})` + ord + `(?:\s*,?\s*(\d{4}))?$`)
	reDM      = lazyregexp.New(`^(\d{1,2})` + ord + `\s*(?:of\s+)?(` + monthAlt + `)\.?(?:\s*,?\s*(\d{4}))?$`)
	reQ       = lazyregexp.New(`^q([1-4])(?:\s*(?:of\s+)?(\d{4}))?$|^(\d{4})\s*q([1-4])$`)
	reHalf    = lazyregexp.New(`^(?:the\s+)?(first|second|1st|2nd)\s+half\s+(?:of\s+)?(\d{4}|this year|last year|next year)$|^h([12])\s*(\d{4})$`)
	reMY      = lazyregexp.New(`^(` + monthAlt + `)\.?(?:\s*,?\s*(\d{4}))?$`)
	reY       = lazyregexp.New(`^(\d{4})$`)
	reNth     = lazyregexp.New(`^the\s+(\d{1,2})(?:st|nd|rd|th)$`)
)

// span is a parsed date expression: a period of days [from, to) and
// whether its year was written (a period without one is placed by its
// caller: the most recent such period, or next to its partner in a range).
type span struct {
	from, to time.Time
	hasYear  bool
	bareMon  bool // a month name alone ("may"): maybe a word, not a date
	unit     string
}

// parseDate reads one date expression matched by dateAlt. Periods without
// a year get the year of ref.
func parseDate(s string, ref time.Time) (span, bool) {
	s = strings.Join(strings.Fields(s), " ")
	y := ref.Year()
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	dayOK := func(yy, mm, dd int) (span, bool) {
		if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
			return span{}, false
		}
		t := day(yy, time.Month(mm), dd)
		if t.Day() != dd { // February 30th
			return span{}, false
		}
		return span{from: t, to: t.AddDate(0, 0, 1), unit: "day"}, true
	}
	if m := reISO.FindStringSubmatch(s); m != nil {
		sp, ok := dayOK(atoi(m[1]), atoi(m[2]), atoi(m[3]))
		sp.hasYear = true
		return sp, ok
	}
	if m := reNumeric.FindStringSubmatch(s); m != nil {
		a, b, yy := atoi(m[1]), atoi(m[3]), atoi(m[4])
		if len(m[4]) == 2 {
			yy += 2000
			if yy > ref.Year()+10 {
				yy -= 100
			}
		}
		mm, dd := a, b // 7/30/2001
		if a > 12 || (m[2] == "." && b <= 12) {
			mm, dd = b, a // 30/7/2001, 30.07.2001
		}
		sp, ok := dayOK(yy, mm, dd)
		sp.hasYear = true
		return sp, ok
	}
	if m := reMD.FindStringSubmatch(s); m != nil {
		mo, _ := facts.MonthByName(m[1])
		if m[3] != "" {
			y = atoi(m[3])
		}
		sp, ok := dayOK(y, int(mo), atoi(m[2]))
		sp.hasYear = m[3] != ""
		return sp, ok
	}
	if m := reDM.FindStringSubmatch(s); m != nil {
		mo, _ := facts.MonthByName(m[2])
		if m[3] != "" {
			y = atoi(m[3])
		}
		sp, ok := dayOK(y, int(mo), atoi(m[1]))
		sp.hasYear = m[3] != ""
		return sp, ok
	}
	if m := reQ.FindStringSubmatch(s); m != nil {
		q, yy, has := atoi(m[1]), y, m[2] != ""
		if has {
			yy = atoi(m[2])
		}
		if m[3] != "" {
			q, yy, has = atoi(m[4]), atoi(m[3]), true
		}
		from := day(yy, time.Month(3*q-2), 1)
		return span{from: from, to: from.AddDate(0, 3, 0), hasYear: has, unit: "quarter"}, true
	}
	if m := reHalf.FindStringSubmatch(s); m != nil {
		h, yy := 1, y
		if m[1] != "" {
			if m[1] == "second" || m[1] == "2nd" {
				h = 2
			}
			switch m[2] {
			case "this year":
			case "last year":
				yy--
			case "next year":
				yy++
			default:
				yy = atoi(m[2])
			}
		} else {
			h, yy = atoi(m[3]), atoi(m[4])
		}
		from := day(yy, time.Month(6*h-5), 1)
		return span{from: from, to: from.AddDate(0, 6, 0), hasYear: true, unit: "half"}, true
	}
	if m := reMY.FindStringSubmatch(s); m != nil {
		mo, _ := facts.MonthByName(m[1])
		if m[2] != "" {
			y = atoi(m[2])
		}
		from := day(y, mo, 1)
		return span{from: from, to: from.AddDate(0, 1, 0), hasYear: m[2] != "", bareMon: m[2] == "", unit: "month"}, true
	}
	if m := reY.FindStringSubmatch(s); m != nil {
		yy := atoi(m[1])
		return span{from: day(yy, 1, 1), to: day(yy+1, 1, 1), hasYear: true, unit: "year"}, true
	}
	if m := reNth.FindStringSubmatch(s); m != nil {
		sp, ok := dayOK(ref.Year(), int(ref.Month()), atoi(m[1]))
		sp.hasYear = true // the day of this month
		return sp, ok
	}
	return span{}, false
}

// recent places a period written without its year at its most recent
// occurrence that has begun by now.
func recent(sp span, now time.Time) span {
	if sp.hasYear {
		return sp
	}
	for sp.from.After(now) {
		sp.from, sp.to = sp.from.AddDate(-1, 0, 0), sp.to.AddDate(-1, 0, 0)
	}
	return sp
}

// wordMonth reports whether a bare month name is more likely a word ("may",
// "mar", "jan") than a date: short or verb-like names count as months only
// after a preposition.
func wordMonth(s, before string) bool {
	w := strings.TrimSuffix(strings.TrimSpace(s), ".")
	if len(w) > 3 && w != "june" && w != "july" {
		return false
	}
	prev := ""
	if f := strings.Fields(before); len(f) > 0 {
		prev = f[len(f)-1]
	}
	switch prev {
	case "in", "since", "after", "before", "until", "till", "from", "during", "of", "between", "and", "to", "through", "by", "last", "this", "next", "early", "late", "mid":
		return false
	}
	return true
}

var numberWords = map[string]int{"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "few": 3}

func addUnits(t time.Time, unit string, n int) time.Time {
	switch strings.TrimSuffix(unit, "s") {
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "month":
		return t.AddDate(0, n, 0)
	case "quarter":
		return t.AddDate(0, 3*n, 0)
	case "year":
		return t.AddDate(n, 0, 0)
	}
	return t
}

var (
	farPast   = day(1900, 1, 1)
	farFuture = day(2200, 1, 1)
)

var (
	// reDayRangeBefore and reDayRangeAfter are two days of one month
	// written once: "between 1 and 15 March", "from the 1st to the 15th
	// of March 2025", "March 1 to 15".
	reDayRangeBefore = lazyregexp.New(`\b(?:the\s+)?(\d{1,2})` + ord + rangeSep + `(?:the\s+)?(\d{1,2})` + ord + `\s*(?:of\s+)?(` + monthAlt + `)\b\.?`)
	reDayRangeAfter  = lazyregexp.New(`\b(` + monthAlt + `)\.?\s*(\d{1,2})` + ord + rangeSep + `(\d{1,2})` + ord + `\b`)
)

// spellDayRange writes a range of days in one month with the month at
// both ends ("between 1 march and 15 march"), so that it reads as a date
// range and not as amounts between two numbers.
func spellDayRange(s string) string {
	s = reDayRangeBefore.ReplaceAllString(s, "$1 $3 and $2 $3")
	return reDayRangeAfter.ReplaceAllString(s, "$1 $2 and $1 $3")
}

// takeTime finds the question's period and the date it applies to.
func (u *Understood) takeTime(s string, now time.Time) string {
	now = day(now.Year(), now.Month(), now.Day())
	tomorrow := now.AddDate(0, 0, 1)
	if loc := reNotYetDue.FindStringIndex(s); loc != nil {
		u.Time = &Range{From: now, To: farFuture, Field: DueDate, Phrase: strings.TrimSpace(s[loc[0]:loc[1]])}
		u.notYetDue = true
		return cut(s, loc)
	}
	if m := reDateRange.FindStringSubmatchIndex(s); m != nil {
		a, okA := parseDate(s[m[4]:m[5]], now)
		b, okB := parseDate(s[m[6]:m[7]], now)
		bare := (a.bareMon && m[2] < 0 && wordMonth(s[m[4]:m[5]], s[:m[4]])) || (okA && a.unit == "year" && b.unit != "year" && m[2] < 0)
		if okA && okB && !bare {
			switch {
			case a.hasYear && !b.hasYear:
				b, _ = parseDate(s[m[6]:m[7]], a.from)
				for b.from.Before(a.from) {
					b.from, b.to = b.from.AddDate(1, 0, 0), b.to.AddDate(1, 0, 0)
				}
			case !a.hasYear && b.hasYear:
				a, _ = parseDate(s[m[4]:m[5]], b.from)
				for a.from.After(b.from) {
					a.from, a.to = a.from.AddDate(-1, 0, 0), a.to.AddDate(-1, 0, 0)
				}
			case !a.hasYear && !b.hasYear:
				a = recent(a, now)
				b, _ = parseDate(s[m[6]:m[7]], a.from)
				for b.from.Before(a.from) {
					b.from, b.to = b.from.AddDate(1, 0, 0), b.to.AddDate(1, 0, 0)
				}
			}
			if b.to.After(a.from) {
				u.setTime(a.from, b.to, s[m[0]:m[1]], s[:m[0]])
				return cut(s, m[:2])
			}
		}
	}
	if m := reRelN.FindStringSubmatchIndex(s); m != nil {
		n, err := strconv.Atoi(s[m[6]:m[7]])
		if err != nil {
			n = numberWords[s[m[6]:m[7]]]
		}
		unit := s[m[8]:m[9]]
		switch s[m[4]:m[5]] {
		case "last", "past", "previous":
			u.setTime(addUnits(now, unit, -n), tomorrow, s[m[0]:m[1]], s[:m[0]])
		default:
			u.setTime(now, addUnits(tomorrow, unit, n), s[m[0]:m[1]], s[:m[0]])
		}
		return cut(s, m[:2])
	}
	if m := reWithinN.FindStringSubmatchIndex(s); m != nil {
		n, _ := strconv.Atoi(s[m[2]:m[3]])
		unit := s[m[4]:m[5]]
		if reDateWord.MatchString(s[:m[0]]) && strings.Contains(s[:m[0]], "due") {
			u.setTime(now, addUnits(tomorrow, unit, n), s[m[0]:m[1]], s[:m[0]])
		} else {
			u.setTime(addUnits(now, unit, -n), tomorrow, s[m[0]:m[1]], s[:m[0]])
		}
		return cut(s, m[:2])
	}
	if m := reOlderThan.FindStringSubmatchIndex(s); m != nil {
		n, _ := strconv.Atoi(s[m[4]:m[5]])
		u.setTime(farPast, addUnits(now, s[m[6]:m[7]], -n), s[m[0]:m[1]], s[:m[0]])
		return cut(s, m[:2])
	}
	if m := reRelUnit.FindStringSubmatchIndex(s); m != nil {
		which, unit := s[m[2]:m[3]], s[m[4]:m[5]]
		off := 0
		switch which {
		case "last", "previous", "past":
			off = -1
		case "next", "coming":
			off = 1
		}
		var from time.Time
		switch unit {
		case "quarter":
			from = quarterStart(now)
		case "month":
			from = day(now.Year(), now.Month(), 1)
		case "year":
			from = day(now.Year(), 1, 1)
		case "week":
			wd := (int(now.Weekday()) + 6) % 7 // Monday = 0
			from = now.AddDate(0, 0, -wd)
		}
		from = addUnits(from, unit, off)
		u.setTime(from, addUnits(from, unit, 1), s[m[0]:m[1]], s[:m[0]])
		return cut(s, m[:2])
	}
	if loc := reYTD.FindStringIndex(s); loc != nil {
		u.setTime(day(now.Year(), 1, 1), tomorrow, s[loc[0]:loc[1]], s[:loc[0]])
		return cut(s, loc)
	}
	if m := reDayWord.FindStringSubmatchIndex(s); m != nil {
		d := now
		switch s[m[2]:m[3]] {
		case "yesterday":
			d = now.AddDate(0, 0, -1)
		case "tomorrow":
			d = tomorrow
		}
		u.setTime(d, d.AddDate(0, 0, 1), s[m[0]:m[1]], s[:m[0]])
		return cut(s, m[:2])
	}
	for _, m := range reDateOpen.FindAllStringSubmatchIndex(s, -1) {
		sp, ok := parseDate(s[m[4]:m[5]], now)
		if !ok || ordinalNoun(s[m[1]:]) {
			continue
		}
		sp = recent(sp, now)
		switch s[m[2]:m[3]] {
		case "since", "as of", "starting", "starting from":
			u.setTime(sp.from, farFuture, s[m[0]:m[1]], s[:m[0]])
		case "after", "later than":
			u.setTime(sp.to, farFuture, s[m[0]:m[1]], s[:m[0]])
		case "before", "prior to", "earlier than":
			u.setTime(farPast, sp.from, s[m[0]:m[1]], s[:m[0]])
		default: // until, through, by, no later than: the period included
			u.setTime(farPast, sp.to, s[m[0]:m[1]], s[:m[0]])
		}
		if u.Time != nil {
			return cut(s, m[:2])
		}
	}
	for _, m := range reDateOn.FindAllStringSubmatchIndex(s, -1) {
		sp, ok := parseDate(s[m[4]:m[5]], now)
		if !ok || sp.bareMon && m[2] < 0 && wordMonth(s[m[4]:m[5]], s[:m[4]]) || ordinalNoun(s[m[1]:]) {
			continue
		}
		if sp.unit == "year" && m[2] < 0 && strings.HasSuffix(strings.TrimSpace(s[:m[4]]), "#") {
			continue
		}
		sp = recent(sp, now)
		u.setTime(sp.from, sp.to, s[m[0]:m[1]], s[:m[0]])
		if u.Time != nil {
			return cut(s, m[:2])
		}
	}
	return s
}

// ordinalNoun reports an ordinal that counts something other than days:
// "the 14th century", "the 3rd floor", "the 50th anniversary".
func ordinalNoun(after string) bool {
	w := strings.Fields(after)
	return len(w) > 0 && ordinalNouns[strings.Trim(w[0], ".,;:")]
}

var ordinalNouns = map[string]bool{"century": true, "centuries": true, "anniversary": true, "birthday": true, "floor": true, "place": true,
	"edition": true, "amendment": true, "dynasty": true, "round": true, "grade": true, "time": true, "times": true, "street": true, "millennium": true}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func quarterStart(t time.Time) time.Time {
	return day(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1)
}

func (u *Understood) setTime(from, to time.Time, phrase, before string) {
	if !to.After(from) || from.Year() < 1900 || to.Year() > 2200 {
		return // not a usable range (e.g. "since May 9029")
	}
	f := IssueDate
	if m := reDateWord.FindStringSubmatch(before); m != nil {
		u.dateWord = m[1]
		switch m[1] {
		case "due", "to pay":
			f = DueDate // "bills I need to pay this month"
		case "paid":
			f = PaidDate
		case "sent", "received", "mailed", "emailed":
			f = SentDate
		}
	}
	u.Time = &Range{From: from, To: to, Field: f, Phrase: strings.TrimSpace(phrase)}
}
