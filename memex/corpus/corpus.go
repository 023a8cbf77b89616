// Package corpus generates a realistic test corpus for MemexFS with gold
// answers by construction: invoices from ten vendors in five layouts and
// six file formats (text, Markdown, HTML, PDF, DOCX, e-mail), with quotes,
// purchase orders, credit notes, receipts and payment confirmations as
// distractors, an Obsidian-style vault of student notes, and unrelated
// documents. File names are random and carry no information. It also
// produces the questions, each with the exact set of files that answers it.
//
// Generation is deterministic for a seed. The package is used by the
// quality test, the ingest benchmark and `nexus up`'s demo folder.
package corpus

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Vendor is a counterparty with the name forms documents and questions use.
type Vendor struct {
	Legal    string   // "Northwind Traders Ltd."
	Variants []string // other written forms, shortest last
}

// Vendors are the counterparties of the generated money documents.
var Vendors = []Vendor{
	{"Northwind Traders Ltd.", []string{"Northwind Traders", "Northwind"}},
	{"Contoso Inc.", []string{"Contoso"}},
	{"Fabrikam GmbH", []string{"Fabrikam"}},
	{"Litware LLC", []string{"Litware"}},
	{"Adventure Works Corp.", []string{"Adventure Works"}},
	{"Tailspin Toys Ltd", []string{"Tailspin Toys", "Tailspin"}},
	{"Woodgrove Supplies Inc.", []string{"Woodgrove Supplies", "Woodgrove"}},
	{"Proseware PLC", []string{"Proseware"}},
	{"Wingtip Logistics LLC", []string{"Wingtip Logistics", "Wingtip"}},
	{"Blue Yonder Airlines Inc.", []string{"Blue Yonder Airlines", "Blue Yonder"}},
}

// Buyer is the company the money documents are addressed to.
const Buyer = "Acme Analytics Ltd"

// Meta is the ground truth of one generated document.
type Meta struct {
	Kind     string // invoice, receipt, quote, purchase_order, credit_note, payment_confirmation, note, other
	Vendor   int    // index in Vendors, -1 for none
	Status   string // paid, unpaid, overdue ("" for non-invoices); unpaid past due is overdue
	Wording  string // the status as the document words it (an overdue invoice may just say "please remit")
	Issue    time.Time
	Due      time.Time
	Paid     time.Time // zero when the document states no payment date
	Total    float64
	Currency string
	NoteID   string
	// Items are the line items the document lists ("Printer toner"); the
	// prose layout names only its first.
	Items  []string
	Layout int
	Format string
}

// Doc is one generated file.
type Doc struct {
	Name string // relative path with a random name
	Data []byte
	Meta Meta
}

// Question is a query with its gold answer (names of Docs).
type Question struct {
	Text string
	Gold []string
	// Set is true for set questions (scored by F1); false for topic
	// questions (scored by recall@5 of the single gold note).
	Set bool
}

// Corpus is a generated corpus.
type Corpus struct {
	Now       time.Time
	Docs      []Doc
	Questions []Question
}

// Options size the corpus.
type Options struct {
	Seed     int64
	Invoices int // default 200
	// Distractors of each other money kind (default Invoices/5).
	Distractors int
	// Filler adds this many extra short unrelated documents (for
	// throughput benchmarks).
	Filler int
}

// Now is the reference day of generated corpora.
var Now = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// Generate builds a corpus.
func Generate(o Options) *Corpus {
	if o.Invoices == 0 {
		o.Invoices = 200
	}
	if o.Distractors == 0 {
		o.Distractors = o.Invoices / 5
	}
	g := &gen{rnd: rand.New(rand.NewSource(o.Seed)), c: &Corpus{Now: Now}, used: map[string]bool{}}
	for i := 0; i < o.Invoices; i++ {
		g.money("invoice")
	}
	for _, k := range []string{"receipt", "quote", "purchase_order", "credit_note", "payment_confirmation"} {
		for i := 0; i < o.Distractors; i++ {
			g.money(k)
		}
	}
	for _, n := range notes {
		g.note(n)
	}
	for _, u := range unrelated {
		g.add("misc", ".txt", []byte(u.Body+"\n"), Meta{Kind: "other", Vendor: -1})
	}
	for i := 0; i < o.Filler; i++ {
		u := unrelated[i%len(unrelated)]
		g.add("misc", ".txt", []byte(fmt.Sprintf("%s\n\nCopy %d, kept for the archive.\n", u.Body, i)), Meta{Kind: "other", Vendor: -1})
	}
	g.questions()
	return g.c
}

type gen struct {
	rnd  *rand.Rand
	c    *Corpus
	used map[string]bool
	seq  int
}

func (g *gen) name(dir, ext string) string {
	for {
		n := fmt.Sprintf("%s/%08x%s", dir, g.rnd.Uint32(), ext)
		if !g.used[n] {
			g.used[n] = true
			return n
		}
	}
}

func (g *gen) add(dir, ext string, data []byte, m Meta) {
	g.c.Docs = append(g.c.Docs, Doc{Name: g.name(dir, ext), Data: data, Meta: m})
}

// WriteTo writes the corpus files under dir.
func (c *Corpus) WriteTo(dir string) error {
	for _, d := range c.Docs {
		p := filepath.Join(dir, filepath.FromSlash(d.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, d.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

var kindTitle = map[string]string{
	"invoice": "INVOICE", "receipt": "RECEIPT", "quote": "QUOTATION", "purchase_order": "PURCHASE ORDER",
	"credit_note": "CREDIT NOTE", "payment_confirmation": "PAYMENT CONFIRMATION",
}

var items = []string{"Consulting services", "Cloud hosting", "Office chairs", "Laptop repair", "Freight charges", "Catering",
	"Software licence", "Printer toner", "Training workshop", "Courier delivery", "Network switches", "Cleaning services"}

func (g *gen) money(kind string) {
	r := g.rnd
	v := r.Intn(len(Vendors))
	// Issue dates spread over Jan 2025 .. Nov 2026.
	issue := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(690))
	due := issue.AddDate(0, 0, []int{14, 30, 30, 45}[r.Intn(4)])
	m := Meta{Kind: kind, Vendor: v, Issue: issue, Currency: "USD", Layout: r.Intn(5)}
	if m.Layout == 2 {
		m.Currency = "EUR"
	}
	nItems := 1 + r.Intn(3)
	var lines []line
	var sum float64
	for i := 0; i < nItems; i++ {
		amt := float64(50+r.Intn(4000)) + float64(r.Intn(100))/100
		lines = append(lines, line{items[r.Intn(len(items))], amt})
		sum += amt
	}
	for _, l := range lines {
		if !slices.Contains(m.Items, l.what) {
			m.Items = append(m.Items, l.what)
		}
	}
	if m.Layout == 3 { // the prose letter names only the first item
		m.Items = m.Items[:1]
	}
	tax := float64(int(sum*0.2*100)) / 100
	m.Total = float64(int((sum+tax)*100+0.5)) / 100
	switch kind {
	case "invoice":
		m.Due = due
		switch x := r.Intn(10); {
		case x < 4:
			m.Status = "paid"
			if r.Intn(2) == 0 {
				m.Paid = due.AddDate(0, 0, -r.Intn(10))
				if m.Paid.Before(issue) {
					m.Paid = issue
				}
			}
		case x < 6:
			m.Status = "overdue"
		default:
			m.Status = "unpaid"
		}
		if m.Status == "overdue" && !due.Before(Now) {
			m.Status = "unpaid"
		}
		m.Wording = m.Status
		if m.Status == "unpaid" && due.Before(Now) {
			m.Status = "overdue" // gold: unpaid past its due date is overdue
		}
	case "receipt", "payment_confirmation":
		m.Status = "paid"
		m.Paid = issue
	case "credit_note":
		m.Total = -m.Total
	}
	d := render(g, m, lines, tax)
	ext, data := g.format(d, m)
	m.Format = ext
	g.add([]string{"inbox", "scans", "mail", "archive", "docs"}[r.Intn(5)], ext, data, m)
}

type line struct {
	what string
	amt  float64
}

func money(v float64, cur string, layout int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	whole := int64(v)
	cents := int64((v-float64(whole))*100 + 0.5)
	if cents == 100 {
		whole, cents = whole+1, 0
	}
	s := fmt.Sprint(whole)
	sep, dec := ",", "."
	if cur == "EUR" {
		sep, dec = ".", ","
	}
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	parts = append([]string{s}, parts...)
	out := strings.Join(parts, sep) + dec + fmt.Sprintf("%02d", cents)
	switch cur {
	case "EUR":
		out += " €"
	default:
		out = "$" + out
	}
	if neg {
		out = "-" + out
	}
	return out
}

// dateFmt writes dates in the style of each layout.
func dateFmt(t time.Time, layout int) string {
	switch layout {
	case 0:
		return t.Format("2 Jan 2006")
	case 1:
		return t.Format("2006-01-02")
	case 2:
		return t.Format("02.01.2006")
	case 3:
		return t.Format("January 2, 2006")
	default:
		return t.Format("01/02/2006")
	}
}

func (g *gen) vendorName(v int) string {
	vd := Vendors[v]
	if g.rnd.Intn(3) == 0 {
		return vd.Variants[0]
	}
	return vd.Legal
}

// rendered is a document before it is given a file format.
type rendered struct {
	title string
	lines []string // plain text lines; "a\tb" are two table cells
}

func render(g *gen, m Meta, lines []line, tax float64) rendered {
	L := m.Layout
	v := g.vendorName(m.Vendor)
	cur := m.Currency
	num := fmt.Sprintf("%s-%d-%04d", strings.ToUpper(Vendors[m.Vendor].Legal[:2]), m.Issue.Year(), 1+g.rnd.Intn(9999))
	title := kindTitle[m.Kind]
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	paidLine := func() {
		if m.Kind != "invoice" {
			return
		}
		switch m.Wording {
		case "paid":
			if !m.Paid.IsZero() {
				add(fmt.Sprintf("Payment received on %s. Thank you!", dateFmt(m.Paid, L)))
			} else {
				add("Balance due: " + money(0, cur, L))
			}
		case "overdue":
			add("OVERDUE: this invoice is past due. Please pay immediately.")
		case "unpaid":
			add(fmt.Sprintf("Please remit by %s.", dateFmt(m.Due, L)))
		}
	}
	totalLabel := map[string]string{"credit_note": "Credit total", "quote": "Quoted total", "purchase_order": "Order total",
		"receipt": "Total paid", "payment_confirmation": "Amount paid"}[m.Kind]
	if totalLabel == "" {
		totalLabel = "Total"
	}
	sub := 0.0
	for _, l := range lines {
		sub += l.amt
	}
	switch L {
	case 0: // letterhead
		add(v, "12 Harbour Road, Bristol", "", title, "", kindNumLabel(m.Kind)+": "+num, "Date: "+dateFmt(m.Issue, L))
		if m.Kind == "invoice" {
			add("Due Date: " + dateFmt(m.Due, L))
		}
		add("", "Bill To:", Buyer, "1 Main Street, Leeds", "")
		for _, l := range lines {
			add(l.what + "\t" + money(l.amt, cur, L))
		}
		add("Subtotal\t"+money(sub, cur, L), "Tax\t"+money(tax, cur, L), totalLabel+"\t"+money(m.Total, cur, L))
		if m.Kind == "invoice" && m.Wording != "paid" {
			add("Balance due\t" + money(m.Total, cur, L))
		}
		add("")
		paidLine()
	case 1: // key/value table
		add("# "+strings.Title(strings.ToLower(title))+" "+num, "", "Vendor: "+v, "Customer: "+Buyer, "Issue date: "+dateFmt(m.Issue, L))
		if m.Kind == "invoice" {
			add("Payment due: " + dateFmt(m.Due, L))
		}
		add("")
		for _, l := range lines {
			add("- " + l.what + ": " + money(l.amt, cur, L))
		}
		add("", totalLabel+": "+money(m.Total, cur, L))
		if m.Kind == "invoice" {
			switch m.Wording {
			case "paid":
				add("Status: PAID")
				if !m.Paid.IsZero() {
					add("Paid on: " + dateFmt(m.Paid, L))
				}
			case "overdue":
				add("Status: OVERDUE")
			default:
				add("Status: Open")
			}
		}
	case 2: // European tax invoice
		t := title
		if m.Kind == "invoice" {
			t = "TAX INVOICE"
		}
		add(t, v, "Hauptstrasse 5, Berlin", "", "Number: "+num, "Date of issue: "+dateFmt(m.Issue, L))
		if m.Kind == "invoice" {
			add("Due date: " + dateFmt(m.Due, L))
		}
		add("Customer:", Buyer, "")
		for _, l := range lines {
			add(l.what + "\t" + money(l.amt, cur, L))
		}
		add("Net amount\t"+money(sub, cur, L), "VAT 20%\t"+money(tax, cur, L), "Grand total\t"+money(m.Total, cur, L), "")
		paidLine()
	case 3: // prose letter
		add(v, "", title+" "+num, "", fmt.Sprintf("Dated %s", dateFmt(m.Issue, L)), "", "Dear "+Buyer+",", "")
		desc := lines[0].what
		add(fmt.Sprintf("This %s covers %s and related work.", strings.ToLower(strings.ReplaceAll(m.Kind, "_", " ")), strings.ToLower(desc)))
		add(fmt.Sprintf("%s: %s", totalLabel, money(m.Total, cur, L)))
		if m.Kind == "invoice" {
			add(fmt.Sprintf("Due date: %s", dateFmt(m.Due, L)))
			if m.Wording != "paid" {
				add(fmt.Sprintf("Amount due: %s", money(m.Total, cur, L)))
			}
		}
		add("")
		paidLine()
		add("", "Kind regards,", v)
	default: // statement with stamp
		add(title, "From: "+v, "To: "+Buyer, "Reference: "+num, "Issued: "+dateFmt(m.Issue, L))
		if m.Kind == "invoice" {
			add("Due: " + dateFmt(m.Due, L))
		}
		add("")
		for _, l := range lines {
			add(l.what + "\t" + money(l.amt, cur, L))
		}
		add(totalLabel + "\t" + money(m.Total, cur, L))
		if m.Kind == "invoice" {
			switch m.Wording {
			case "paid":
				add("", "PAID")
				if !m.Paid.IsZero() {
					add("Payment date: " + dateFmt(m.Paid, L))
				}
			case "overdue":
				add("", "Balance due\t"+money(m.Total, cur, L), "This invoice is OVERDUE.")
			default:
				add("", "Balance due\t"+money(m.Total, cur, L), "Payment terms: net 30.")
			}
		}
	}
	return rendered{title: title + " " + num, lines: out}
}

func kindNumLabel(kind string) string {
	switch kind {
	case "invoice":
		return "Invoice No"
	case "quote":
		return "Quote No"
	case "purchase_order":
		return "PO Number"
	case "credit_note":
		return "Credit Note No"
	case "receipt":
		return "Receipt No"
	}
	return "Reference"
}

func (g *gen) note(n note) {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\ntags: [%s]\n---\n# %s\n\n%s\n", n.Title, strings.Join(n.Tags, ", "), n.Title, n.Body)
	if len(n.Links) > 0 {
		b.WriteString("\nRelated: ")
		for i, l := range n.Links {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "[[%s]]", l)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n#" + n.Topic + "\n")
	g.add("vault/"+n.Topic, ".md", []byte(b.String()), Meta{Kind: "note", Vendor: -1, NoteID: n.ID})
}

// NoteQuery returns the paraphrase query of each note, for tests.
func NoteQuery() map[string]string {
	out := map[string]string{}
	for _, n := range notes {
		out[n.ID] = n.Query
	}
	return out
}

// NoteBody returns the body of a note by id.
func NoteBody(id string) string {
	for _, n := range notes {
		if n.ID == id {
			return n.Title + " " + n.Body
		}
	}
	return ""
}

func sorted(ss []string) []string {
	sort.Strings(ss)
	return ss
}

// Items returns the line items money documents are made of.
func Items() []string { return append([]string(nil), items...) }
