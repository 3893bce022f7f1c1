package amext

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// bigDoc is the sveltecomponent trace (2,192 words at the end) typed by two
// actors taking turns every 50 transactions, one commit per transaction,
// plus a map write every 10 transactions: 20,170 changes.
var bigDoc = sync.OnceValues(func() (replayedDoc, error) {
	var r replayedDoc
	err := catch(func(t tb) { r = replayTurns(t, "sveltecomponent.json.gz", 50, 10) })
	return r, err
})

func loadBig(t testing.TB) replayedDoc {
	t.Helper()
	r, err := bigDoc()
	if err != nil {
		if strings.Contains(err.Error(), "skip") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return r
}

// catch runs f with a tb that turns Fatal and Skip into an error, so a
// value shared by several tests and benchmarks is built once.
func catch(f func(t tb)) (err error) {
	c := &catcher{}
	defer func() {
		if r := recover(); r != nil {
			if r != c {
				panic(r)
			}
			err = c.err
		}
	}()
	f(c)
	return nil
}

type catcher struct{ err error }

func (c *catcher) Helper()                           {}
func (c *catcher) Fatal(args ...any)                 { c.fail("%s", fmt.Sprint(args...)) }
func (c *catcher) Fatalf(format string, args ...any) { c.fail(format, args...) }
func (c *catcher) Skipf(format string, args ...any)  { c.fail("skip: "+format, args...) }
func (c *catcher) fail(format string, args ...any) {
	c.err = fmt.Errorf(format, args...)
	panic(c)
}

// Blame of a 2,000-word text built from many edits stays within 0.5 s
// (issue 12's budget); reads at old heads beat a Fork by a wide margin.
// TestBigReplay checks blame and past reads on the 20,000-change replay;
// their speed is measured by the benchmarks below, never by a timed test.
func TestBigReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-change document")
	}
	r := loadBig(t)
	text, err := TextAt(r.doc, []any{"text"}, nil)
	if err != nil || text != r.text {
		t.Fatalf("replay ends with %d bytes, %v; want endContent", len(text), err)
	}
	changes, err := r.doc.Changes()
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) < 20000 {
		t.Fatalf("%d changes, want at least 20,000", len(changes))
	}
	runs, err := TextInserters(r.doc, []any{"text"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCover(t, runs, len([]rune(text)))
	old := r.heads[len(r.heads)/4]
	at, err := TextAt(r.doc, []any{"text"}, old)
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.doc.Fork(old...)
	if err != nil {
		t.Fatal(err)
	}
	forked, err := f.Path("text").Text().Get()
	if err != nil || forked != at {
		t.Fatalf("TextAt and Fork+Get disagree at a quarter of the history: %v", err)
	}
}

func BenchmarkTextInserters(b *testing.B) {
	r := loadBig(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := TextInserters(r.doc, []any{"text"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TextAt at old heads against Fork(heads) and a read, on a 20,000-change
// document, at a quarter, half and three quarters of its history and at its
// last commit; "now" is TextAt without heads, for comparison.
func BenchmarkTextAtOldHeads(b *testing.B) {
	r := loadBig(b)
	b.Run("now/TextAt", func(b *testing.B) {
		for b.Loop() {
			if _, err := TextAt(r.doc, []any{"text"}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, at := range []struct {
		name string
		i    int
	}{{"quarter", len(r.heads) / 4}, {"half", len(r.heads) / 2}, {"three-quarters", 3 * len(r.heads) / 4}, {"last", len(r.heads) - 1}} {
		heads := r.heads[at.i]
		b.Run(at.name+"/TextAt", func(b *testing.B) {
			for b.Loop() {
				if _, err := TextAt(r.doc, []any{"text"}, heads); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(at.name+"/Fork+Get", func(b *testing.B) {
			for b.Loop() {
				f, err := r.doc.Fork(heads...)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Path("text").Text().Get(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
