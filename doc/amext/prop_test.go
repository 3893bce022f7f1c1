package amext

import (
	"fmt"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
	"pgregory.net/rapid"
)

var (
	alphabet = rapid.StringOfN(rapid.SampledFrom([]rune("ab é😀\n")), 0, 6, -1)
	scalar   = rapid.OneOf(
		rapid.Map(rapid.StringN(0, 5, -1), func(s string) any { return s }),
		rapid.Map(rapid.Int64(), func(i int64) any { return i }),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.Float64(), func(f float64) any { return f }),
	)
)

func textLen(t tb, d *automerge.Doc, path ...any) int {
	t.Helper()
	v, err := d.Path(path...).Get()
	if err != nil || v.Kind() != automerge.KindText {
		return -1
	}
	return v.Text().Len()
}

func randomSplice(t *rapid.T, d *automerge.Doc, path ...any) {
	n := textLen(t, d, path...)
	if n < 0 {
		return
	}
	pos := rapid.IntRange(0, n).Draw(t, "pos")
	del := rapid.IntRange(0, min(n-pos, 4)).Draw(t, "del")
	splice(t, d, path, pos, del, alphabet.Draw(t, "ins"))
}

// Random edits by two replicas, commits and merges; at every heads either
// replica ever had, every read equals automerge-go's read of a fork at
// those heads.
func TestReadsAtHeadsMatchFork(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := newDoc(t, actorA)
		for k, v := range map[string]any{"t": automerge.NewText("seed"), "m": map[string]any{}, "l": []any{}} {
			if err := a.Path(k).Set(v); err != nil {
				t.Fatal(err)
			}
		}
		var recorded [][]automerge.ChangeHash
		recorded = append(recorded, []automerge.ChangeHash{commit(t, a, "init")})
		b := forkAs(t, a, actorB)
		docs := []*automerge.Doc{a, b}
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for range steps {
			i := rapid.IntRange(0, 1).Draw(t, "doc")
			d := docs[i]
			switch op := rapid.IntRange(0, 8).Draw(t, "op"); op {
			case 0: // short field at the root
				if err := d.Path(rapid.SampledFrom([]string{"k1", "k2", "k3"}).Draw(t, "key")).Set(scalar.Draw(t, "v")); err != nil {
					t.Fatal(err)
				}
			case 1: // delete one
				k := rapid.SampledFrom([]string{"k1", "k2", "k3"}).Draw(t, "key")
				if v, err := d.Path(k).Get(); err == nil && !v.IsVoid() {
					if err := d.Path(k).Delete(); err != nil {
						t.Fatal(err)
					}
				}
			case 2: // nested field, sometimes a nested text
				k := rapid.SampledFrom([]string{"x", "y", "note"}).Draw(t, "nkey")
				var v any = scalar.Draw(t, "v")
				if k == "note" {
					v = automerge.NewText("n")
				}
				if err := d.Path("m", k).Set(v); err != nil {
					t.Fatal(err)
				}
			case 3:
				randomSplice(t, d, "t")
			case 4:
				randomSplice(t, d, "m", "note")
			case 5: // list insert or delete
				lv, err := d.Path("l").Get() // a Path's List() cannot Delete in this automerge-go
				if err != nil {
					t.Fatal(err)
				}
				l := lv.List()
				if n := l.Len(); n > 0 && rapid.Bool().Draw(t, "del") {
					if err := l.Delete(rapid.IntRange(0, n-1).Draw(t, "idx")); err != nil {
						t.Fatal(err)
					}
				} else if err := l.Insert(rapid.IntRange(0, n).Draw(t, "idx"), scalar.Draw(t, "v")); err != nil {
					t.Fatal(err)
				}
			case 6, 7:
				commit(t, d, "c")
				recorded = append(recorded, d.Heads())
			case 8:
				merge(t, d, docs[1-i])
				recorded = append(recorded, d.Heads())
			}
		}
		commit(t, a, "end")
		commit(t, b, "end")
		merge(t, a, b)
		recorded = append(recorded, a.Heads())
		for _, h := range recorded {
			f, err := a.Fork(h...)
			if err != nil {
				t.Fatal(err)
			}
			compareWithFork(t, a, f, h)
		}
	})
}

// Three typists take turns (each merges the last one's work first); blame
// at every recorded version equals the model of who typed what.
func TestTextInsertersMatchModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		path := []any{"p"}
		a := newDoc(t, actorA)
		if err := a.Path(path...).Set(automerge.NewText("")); err != nil {
			t.Fatal(err)
		}
		commit(t, a, "new")
		docs := []*automerge.Doc{a, forkAs(t, a, actorB), forkAs(t, a, "cccccccc")}
		actors := []string{actorA, actorB, "cccccccc"}
		var model owners
		type version struct {
			heads []automerge.ChangeHash
			want  []Run
		}
		var versions []version
		last := a
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for range steps {
			i := rapid.IntRange(0, 2).Draw(t, "typist")
			d := docs[i]
			if d != last {
				merge(t, d, last)
			}
			n := len(model)
			pos := rapid.IntRange(0, n).Draw(t, "pos")
			del := rapid.IntRange(0, min(n-pos, 5)).Draw(t, "del")
			ins := alphabet.Draw(t, "ins")
			splice(t, d, path, pos, del, ins)
			model = model.splice(pos, del, ins, actors[i])
			if rapid.Bool().Draw(t, "commit") {
				commit(t, d, "edit")
				versions = append(versions, version{d.Heads(), model.runs()})
			}
			last = d
		}
		// Uncommitted typing is blamed too when no heads are given.
		runs, err := TextInserters(last, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := model.runs(); !reflect.DeepEqual(runs, want) {
			t.Fatalf("now: runs %v, want %v", runs, want)
		}
		for _, v := range versions {
			runs, err := TextInserters(last, path, v.heads)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(runs, v.want) {
				t.Fatalf("at %v: runs %v, want %v", v.heads, runs, v.want)
			}
			text, err := TextAt(last, path, v.heads)
			if err != nil {
				t.Fatal(err)
			}
			if n := utf8.RuneCountInString(text); (len(runs) == 0 && n != 0) || (len(runs) > 0 && runs[len(runs)-1].End != n) {
				t.Fatalf("runs %v do not cover %q", runs, text)
			}
		}
	})
}

func ExampleTextInserters() {
	a := automerge.New()
	_ = a.SetActorID("aa")
	_ = a.Path("p").Set(automerge.NewText("Hello"))
	_, _ = a.Commit("a")
	b, _ := a.Fork()
	_ = b.SetActorID("bb")
	_ = b.Path("p").Text().Splice(5, 0, " world")
	_, _ = b.Commit("b")
	runs, _ := TextInserters(b, []any{"p"}, nil)
	fmt.Println(runs)
	// Output: [{0 5 aa} {5 11 bb}]
}
