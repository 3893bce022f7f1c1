package amext

import (
	"slices"

	"github.com/automerge/automerge-go"
	"github.com/coplan/coplan/internal/traces"
)

// tb is what the helpers need from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

func commit(t tb, d *automerge.Doc, msg string) automerge.ChangeHash {
	t.Helper()
	h, err := d.Commit(msg, automerge.CommitOptions{AllowEmpty: true})
	if err != nil {
		t.Fatalf("commit %q: %v", msg, err)
	}
	return h
}

func newDoc(t tb, actor string) *automerge.Doc {
	t.Helper()
	d := automerge.New()
	if err := d.SetActorID(actor); err != nil {
		t.Fatal(err)
	}
	return d
}

func forkAs(t tb, d *automerge.Doc, actor string) *automerge.Doc {
	t.Helper()
	f, err := d.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetActorID(actor); err != nil {
		t.Fatal(err)
	}
	return f
}

func merge(t tb, dst, src *automerge.Doc) {
	t.Helper()
	if _, err := dst.Merge(src); err != nil {
		t.Fatal(err)
	}
}

func splice(t tb, d *automerge.Doc, path []any, pos, del int, ins string) {
	t.Helper()
	if err := d.Path(path...).Text().Splice(pos, del, ins); err != nil {
		t.Fatalf("splice(%d,%d,%q): %v", pos, del, ins, err)
	}
}

// owners is the reference model for blame: the actor of each code point.
type owners []string

func (o owners) splice(pos, del int, ins, actor string) owners {
	add := make(owners, 0, len(ins))
	for range []rune(ins) {
		add = append(add, actor)
	}
	return slices.Concat(o[:pos], add, o[pos+del:])
}

func (o owners) runs() []Run {
	var out []Run
	for i, a := range o {
		if len(out) > 0 && out[len(out)-1].Actor == a {
			out[len(out)-1].End = i + 1
			continue
		}
		out = append(out, Run{Start: i, End: i + 1, Actor: a})
	}
	return out
}

const (
	actorA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	actorB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// replayedDoc is a sequential trace typed by two actors taking turns every
// `turn` transactions, one commit per transaction, with an extra map write
// every `mapEvery` transactions (0: none) so histories reach a given size.
type replayedDoc struct {
	doc   *automerge.Doc
	heads [][]automerge.ChangeHash // after every commit
	text  string
}

func replayTurns(t tb, name string, turn, mapEvery int) replayedDoc {
	t.Helper()
	tr := traces.LoadOrSkip(t, name)
	a := newDoc(t, actorA)
	if err := a.Path("text").Set(automerge.NewText(tr.StartContent)); err != nil {
		t.Fatal(err)
	}
	commit(t, a, "start")
	b := forkAs(t, a, actorB)
	docs := []*automerge.Doc{a, b}
	out := replayedDoc{}
	cur := 0
	for i, tx := range tr.Txns {
		if i > 0 && i%turn == 0 {
			merge(t, docs[1-cur], docs[cur])
			cur = 1 - cur
		}
		d := docs[cur]
		for _, p := range tx.Patches {
			splice(t, d, []any{"text"}, p.Pos, p.Del, p.Ins)
		}
		commit(t, d, "edit")
		out.heads = append(out.heads, d.Heads())
		if mapEvery > 0 && i%mapEvery == 0 {
			if err := d.Path("meta", "n").Set(int64(i)); err != nil {
				t.Fatal(err)
			}
			commit(t, d, "count")
			out.heads = append(out.heads, d.Heads())
		}
	}
	merge(t, docs[1-cur], docs[cur])
	out.doc = docs[1-cur]
	out.text = tr.EndContent
	return out
}
