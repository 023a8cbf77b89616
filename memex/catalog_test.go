package memex

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/memex/corpus"
	"nexusos/memex/query"
	"nexusos/vectordb"
)

// TestCatalogMatchesStore holds the file catalog to the store: for every
// question of the generated corpus, and for the same filters narrowed to
// one root, the files the catalog matches are exactly the files whose
// first chunk a filtered scroll of the vector store returns. After
// removing files, both forget the same ones.
func TestCatalogMatchesStore(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes the quality corpus")
	}
	c := corpus.Generate(corpus.Options{Seed: 3, Invoices: 80})
	dir := t.TempDir()
	if err := c.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	m, db, home := openTest(t)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	check := func(label string) {
		t.Helper()
		compared, nonEmpty, typed := 0, 0, 0
		for _, q := range c.Questions {
			u := query.Parse(q.Text, c.Now, m.PartyKeys())
			f := filterOf(u, nil, m.partyScopeOf(u))
			if f == nil {
				f = &vectordb.Filter{}
			}
			f.Must = append(f.Must, vectordb.Condition{Field: &vectordb.FieldCondition{Key: "first", Match: &vectordb.Match{Value: true}}})
			// The typed evaluator, where it decides, agrees with the
			// engine's matcher on every row.
			for _, r := range m.cat.rows {
				if r == nil {
					continue
				}
				if ok, decided := compileFilter(f)(r); decided {
					typed++
					if ok != vectordb.MatchPayload(f, r.payload) {
						t.Fatalf("%s: %q: typed evaluation %v disagrees with the engine on %s", label, q.Text, ok, r.res.Path)
					}
				}
			}
			got := pathsOf(m.cat.match(f))
			want := storePaths(ctx, t, m, f)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q: catalog %d files, store %d files", label, q.Text, len(got), len(want))
			}
			compared++
			if len(want) > 0 {
				nonEmpty++
			}
		}
		if typed == 0 {
			t.Fatalf("%s: the typed evaluator decided no row", label)
		}
		// Every filter a question makes (party scopes with is_empty
		// included) is decided by the columns, never by the payload.
		if want := len(c.Questions) * m.cat.len(); typed != want {
			t.Fatalf("%s: the typed evaluator decided %d of %d rows×questions", label, typed, want)
		}
		// is_empty on column keys and on others, and negated, agrees
		// with the engine.
		for _, k := range []string{"party_id", "party_key", "paid_date", "due_date", "total", "currency", "invoice_key", "from_addr", "tags", "no_such_key"} {
			key := k
			for _, f := range []*vectordb.Filter{{Must: []vectordb.Condition{{IsEmpty: &key}}}, {MustNot: []vectordb.Condition{{IsEmpty: &key}}}} {
				test := compileFilter(f)
				if column := presentBit(k) != 0; (test != nil) != column {
					t.Fatalf("is_empty %s: compiled %v, want %v", k, test != nil, column)
				}
				empty := 0
				for _, r := range m.cat.rows {
					if r == nil {
						continue
					}
					want := vectordb.MatchPayload(f, r.payload)
					if want {
						empty++
					}
					if test == nil {
						continue
					}
					if ok, decided := test(r); decided && ok != want {
						t.Fatalf("%s: is_empty %s: typed %v, engine %v on %s", label, k, ok, want, r.res.Path)
					}
				}
				if got := len(m.cat.match(f)); got != empty {
					t.Fatalf("%s: is_empty %s: catalog matches %d rows, engine %d", label, k, got, empty)
				}
			}
		}
		if nonEmpty < compared/3 {
			t.Fatalf("%s: only %d of %d questions match any file: the comparison says little", label, nonEmpty, compared)
		}
	}
	check("after add")
	victims := 0
	for _, d := range c.Docs[:20] {
		if _, err := m.Remove(ctx, dir+"/"+d.Name); err == nil {
			victims++
		}
	}
	if victims == 0 {
		t.Fatal("removed nothing")
	}
	check("after remove")
	// The catalog holds exactly the files that remain, and reopening
	// rebuilds it from the file table.
	if n := m.cat.len(); n != len(c.Docs)-victims {
		t.Fatalf("catalog has %d files, want %d", n, len(c.Docs)-victims)
	}
	m.Close()
	m2, err := Open(ctx, Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if n := m2.cat.len(); n != len(c.Docs)-victims {
		t.Fatalf("reopened catalog has %d files, want %d", n, len(c.Docs)-victims)
	}
	m = m2
	check("after reopen")
}

func pathsOf(rows []*catRow) []string {
	var out []string
	for _, r := range rows {
		s, _ := r.payload["path"].(string)
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func storePaths(ctx context.Context, t *testing.T, m *Memex, f *vectordb.Filter) []string {
	t.Helper()
	var out []string
	var off *vectordb.PointID
	for {
		page, err := m.db.Scroll(ctx, m.coll, vectordb.ScrollRequest{Offset: off, Limit: 1000, Filter: f, WithPayload: vectordb.PayloadSelector{Include: []string{"path"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Points {
			s, _ := p.Payload["path"].(string)
			out = append(out, s)
		}
		if page.NextPageOffset == nil {
			break
		}
		off = page.NextPageOffset
	}
	slices.Sort(out)
	return out
}
