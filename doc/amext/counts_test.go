package amext

import (
	"errors"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
	"pgregory.net/rapid"
)

// MapValueCounts agrees with MapGetAll on every key, absent ones included,
// now and at every recorded version, after random concurrent writes and
// deletions by three replicas.
func TestMapValueCountsMatchMapGetAll(t *testing.T) {
	keys := []string{"k1", "k2", "k3", "absent", ""} // written: the first three
	rapid.Check(t, func(t *rapid.T) {
		a := newDoc(t, actorA)
		if err := a.Path("m").Set(map[string]any{}); err != nil {
			t.Fatal(err)
		}
		recorded := [][]automerge.ChangeHash{{commit(t, a, "init")}}
		docs := []*automerge.Doc{a, forkAs(t, a, actorB), forkAs(t, a, "cccc")}
		for range rapid.IntRange(1, 40).Draw(t, "steps") {
			i := rapid.IntRange(0, 2).Draw(t, "doc")
			d := docs[i]
			path := rapid.SampledFrom([][]any{nil, {"m"}}).Draw(t, "where")
			k := rapid.SampledFrom(keys[:3]).Draw(t, "key")
			switch rapid.IntRange(0, 4).Draw(t, "op") {
			case 0, 1:
				if err := d.Path(append(slices.Clone(path), k)...).Set(scalar.Draw(t, "v")); err != nil {
					t.Fatal(err)
				}
			case 2:
				p := d.Path(append(slices.Clone(path), k)...)
				if v, err := p.Get(); err == nil && !v.IsVoid() {
					if err := p.Delete(); err != nil {
						t.Fatal(err)
					}
				}
			case 3:
				commit(t, d, "c")
				recorded = append(recorded, d.Heads())
			case 4:
				merge(t, d, docs[(i+rapid.IntRange(1, 2).Draw(t, "from"))%3]) // never itself: Merge would wait on its own lock
				recorded = append(recorded, d.Heads())
			}
		}
		for _, d := range docs[1:] {
			commit(t, d, "end")
			merge(t, a, d)
		}
		recorded = append(recorded, nil) // now, pending edits included
		for _, h := range recorded {
			for _, path := range [][]string{nil, {"m"}} {
				counts, err := MapValueCountsAt(a, path, keys, h)
				if err != nil {
					t.Fatal(err)
				}
				anyPath := make([]any, len(path))
				for i, p := range path {
					anyPath[i] = p
				}
				for i, k := range keys {
					all, err := MapGetAllAt(a, anyPath, k, h)
					if err != nil {
						t.Fatal(err)
					}
					if counts[i] != len(all) {
						t.Fatalf("at %v, %v key %q: count %d, MapGetAll %d values", h, path, k, counts[i], len(all))
					}
				}
			}
		}
	})
}

func TestMapValueCountsErrors(t *testing.T) {
	d := newDoc(t, actorA)
	for k, v := range map[string]any{"m": map[string]any{"n": map[string]any{"x": "y"}}, "s": "str", "t": automerge.NewText("abc"), "l": []any{"a"}} {
		if err := d.Path(k).Set(v); err != nil {
			t.Fatal(err)
		}
	}
	h := commit(t, d, "init")
	long := make([]string, 33)
	for i := range long {
		long[i] = "m"
	}
	for _, tc := range []struct {
		name  string
		path  []string
		heads []automerge.ChangeHash
		want  error
	}{
		{"missing", []string{"nope"}, nil, ErrNotFound},
		{"missing below a map", []string{"m", "n", "nope"}, nil, ErrNotFound},
		{"a value", []string{"s"}, nil, ErrType},
		{"a text", []string{"t"}, nil, ErrType},
		{"a list", []string{"l"}, nil, ErrType},
		{"too long", long, nil, ErrPath},
		{"unknown heads", []string{"m"}, []automerge.ChangeHash{{1, 2, 3}}, ErrHeads},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := MapValueCountsAt(d, tc.path, []string{"x"}, tc.heads); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	got, err := MapValueCountsAt(d, []string{"m", "n"}, []string{"x", "y"}, []automerge.ChangeHash{h})
	if err != nil || !slices.Equal(got, []int{1, 0}) {
		t.Errorf("nested at heads: %v %v, want [1 0]", got, err)
	}
	got, err = MapValueCounts(d, nil, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("no keys: %v %v", got, err)
	}
	if _, err := MapValueCounts(nil, nil, []string{"x"}); !errors.Is(err, ErrNoDoc) {
		t.Errorf("nil doc: %v", err)
	}
}

// Two replicas writing one key apart: it holds 2 values until a later
// write; a key only one wrote holds 1.
func TestMapValueCountsConflict(t *testing.T) {
	a := newDoc(t, actorA)
	if err := a.Path("c", "lead").Set("Cabinet Office"); err != nil {
		t.Fatal(err)
	}
	commit(t, a, "base")
	b := forkAs(t, a, actorB)
	for d, v := range map[*automerge.Doc]string{a: "Companies House", b: "HM Treasury"} {
		if err := d.Path("c", "lead").Set(v); err != nil {
			t.Fatal(err)
		}
		commit(t, d, v)
	}
	if err := b.Path("c", "contact").Set("ann@example.org"); err != nil {
		t.Fatal(err)
	}
	commit(t, b, "contact")
	merge(t, a, b)
	merged := a.Heads()
	got, err := MapValueCounts(a, []string{"c"}, []string{"lead", "contact", "absent"})
	if err != nil || !slices.Equal(got, []int{2, 1, 0}) {
		t.Fatalf("counts %v %v, want [2 1 0]", got, err)
	}
	if err := a.Path("c", "lead").Set("HM Treasury"); err != nil {
		t.Fatal(err)
	}
	got, err = MapValueCounts(a, []string{"c"}, []string{"lead"})
	if err != nil || !slices.Equal(got, []int{1}) {
		t.Fatalf("after a later write (pending): %v %v, want [1]", got, err)
	}
	got, err = MapValueCountsAt(a, []string{"c"}, []string{"lead"}, merged)
	if err != nil || !slices.Equal(got, []int{2}) {
		t.Fatalf("at the merged heads: %v %v, want [2]", got, err)
	}
}
