package memex

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"nexusos/memex/facts"
)

// Corrections: what a user says a file's facts are. Extraction misreads
// some documents (a scan's digits, an issuer printed only in a logo); a
// correction names the field and its right value, or "" for "this
// document has none". Corrections are kept in the file's record, win over
// what extraction reads, survive the file being indexed again (changed
// content, new fact rules, another embedder) and are shown as the user's
// in `memex show`. Removing the file from the index forgets them.

// CorrectableFields are the facts a user can correct, by the names `memex
// show` prints ("issuer" is the party that issued the document).
var CorrectableFields = []string{"kind", "issuer", "invoice_number", "issue_date", "due_date", "paid_date", "total", "currency", "status"}

// ErrBadCorrection is wrapped by Correct's errors for a field or value it
// cannot take.
var ErrBadCorrection = errors.New("memex: bad correction")

// maxCorrection bounds a corrected value's length in bytes.
const maxCorrection = 200

// NormaliseCorrection checks a corrected value for field and returns it
// in the form it is kept in: kinds and statuses lower case, dates
// YYYY-MM-DD, totals a plain decimal, currencies an ISO 4217 code. An
// empty value says the document has no such fact.
func NormaliseCorrection(field, value string) (string, error) {
	field, err := correctableField(field)
	if err != nil {
		return "", err
	}
	v := strings.Join(strings.Fields(value), " ")
	if v == "" {
		return "", nil
	}
	if len(v) > maxCorrection {
		return "", fmt.Errorf("%w: %s is longer than %d bytes", ErrBadCorrection, field, maxCorrection)
	}
	switch field {
	case "kind":
		v = strings.ReplaceAll(strings.ToLower(v), " ", "_")
		if !slices.Contains(facts.Kinds, v) {
			return "", fmt.Errorf("%w: kind %q is none of %s", ErrBadCorrection, value, strings.Join(facts.Kinds, ", "))
		}
	case "status":
		v = strings.ToLower(v)
		if v != facts.StatusPaid && v != facts.StatusUnpaid && v != facts.StatusOverdue {
			return "", fmt.Errorf("%w: status %q is none of paid, unpaid, overdue", ErrBadCorrection, value)
		}
	case "issue_date", "due_date", "paid_date":
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "", fmt.Errorf("%w: %s %q is no date written YYYY-MM-DD", ErrBadCorrection, field, value)
		}
		v = t.Format(time.DateOnly)
	case "total":
		x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil || x != x || x > 1e15 || x < -1e15 {
			return "", fmt.Errorf("%w: total %q is no amount (write it like 1234.56)", ErrBadCorrection, value)
		}
		v = strconv.FormatFloat(x, 'f', -1, 64)
	case "currency":
		v = strings.ToUpper(v)
		if len(v) != 3 || strings.IndexFunc(v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			return "", fmt.Errorf("%w: currency %q is no ISO 4217 code (EUR, USD, ...)", ErrBadCorrection, value)
		}
	case "issuer":
		if facts.PartyKey(v) == "" {
			return "", fmt.Errorf("%w: issuer %q names no one", ErrBadCorrection, value)
		}
	}
	return v, nil
}

// correctableField returns the field a user names, "party" read as the
// issuer it is shown as, or ErrBadCorrection.
func correctableField(field string) (string, error) {
	if field == "party" {
		field = "issuer"
	}
	if !slices.Contains(CorrectableFields, field) {
		return "", fmt.Errorf("%w: %q is no field a user can correct (fields: %s)", ErrBadCorrection, field, strings.Join(CorrectableFields, ", "))
	}
	return field, nil
}

// applyCorrections puts a user's corrections over extracted facts; each
// corrected field's source says the user gave it.
func applyCorrections(f *facts.Facts, c map[string]string) {
	if len(c) == 0 {
		return
	}
	if f.Sources == nil {
		f.Sources = map[string]facts.Source{}
	}
	date := func(v string) facts.Date {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return facts.Date{}
		}
		return facts.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
	}
	for _, field := range CorrectableFields {
		v, ok := c[field]
		if !ok {
			continue
		}
		switch field {
		case "kind":
			f.Kind = v
			if v == "" {
				f.Kind = facts.KindOther
			}
		case "issuer":
			f.Party, f.PartyKey = v, facts.PartyKey(v)
		case "invoice_number":
			f.InvoiceNumber = v
		case "issue_date":
			f.IssueDate = date(v)
		case "due_date":
			f.DueDate = date(v)
		case "paid_date":
			f.PaidDate = date(v)
		case "total":
			if v == "" {
				f.Total = nil
				break
			}
			x, _ := strconv.ParseFloat(v, 64)
			f.Total = &facts.Amount{Value: x, Currency: f.Currency, Role: "total"}
		case "currency":
			f.Currency = v
		case "status":
			f.Status = v
		}
		f.Sources[field] = facts.Source{How: "user", Confidence: 1}
	}
	if f.Total != nil {
		f.Total.Currency = f.Currency
	}
}

// Correct records a user's corrections of a file's facts and indexes the
// file again with them: set maps fields (CorrectableFields) to their right
// values ("" for none), undo lists fields whose earlier correction is
// dropped (extraction decides again). The file is read again from where it
// was indexed, inside within when that is set (as AddWithin); it returns
// the new record.
func (m *Memex) Correct(ctx context.Context, path string, set map[string]string, undo []string, within []string) (*FileRecord, error) {
	clean := map[string]string{}
	for k, v := range set {
		n, err := NormaliseCorrection(k, v)
		if err != nil {
			return nil, err
		}
		k, _ = correctableField(k)
		clean[k] = n
	}
	var drop []string
	for _, k := range undo {
		k, err := correctableField(k)
		if err != nil {
			return nil, err
		}
		drop = append(drop, k)
	}
	m.addMu.Lock()
	defer m.addMu.Unlock()
	rec, ok := m.File(path)
	if !ok {
		if abs, err := filepath.Abs(path); err == nil {
			rec, ok = m.File(abs)
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotIndexed, path)
	}
	corr := maps.Clone(rec.Corrections)
	if corr == nil {
		corr = map[string]string{}
	}
	maps.Copy(corr, clean)
	for _, k := range drop {
		delete(corr, k)
	}
	info, err := os.Stat(rec.Path)
	if err != nil {
		return nil, fmt.Errorf("correct %s: the file cannot be read again: %w", rec.Path, err)
	}
	c := candidate{path: rec.Path, root: rec.Root, size: info.Size(), within: within, corrections: corr, force: true}
	var sum Summary
	nrec, prev, pts, skip, err := m.prepare(c, m.extractOptions(ctx), &sum)
	if err != nil {
		return nil, err
	}
	if skip != "" {
		return nil, fmt.Errorf("correct %s: the file cannot be indexed again: %s", rec.Path, skip)
	}
	b := batch{points: pts, records: []*FileRecord{nrec}, prev: []*FileRecord{prev}}
	if err := m.flush(ctx, &b); err != nil {
		return nil, fmt.Errorf("correct %s: %w", rec.Path, err)
	}
	return nrec, nil
}
