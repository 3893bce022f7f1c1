package amext

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
	"github.com/coplan/coplan/internal/traces"
)

// A small history with known content at every step.
func TestReadsAtHeads(t *testing.T) {
	d := newDoc(t, actorA)
	set := func(v any, path ...any) {
		t.Helper()
		if err := d.Path(path...).Set(v); err != nil {
			t.Fatal(err)
		}
	}
	set("Draft", "title")
	set(int64(1), "n")
	set(automerge.NewText("hello"), "body")
	set([]any{"a"}, "tags")
	set(map[string]any{"lead": "X"}, "meta")
	h0 := []automerge.ChangeHash{commit(t, d, "0")}

	splice(t, d, []any{"body"}, 5, 0, " wörld😀")
	set("Draft 2", "title")
	if err := d.Path("n").Delete(); err != nil {
		t.Fatal(err)
	}
	if err := d.Path("tags").List().Append("b"); err != nil {
		t.Fatal(err)
	}
	set("Y", "meta", "lead")
	h1 := []automerge.ChangeHash{commit(t, d, "1")}

	splice(t, d, []any{"body"}, 0, 5, "HELLO")
	set("Z", "meta", "contact")
	set(true, "flag")
	h2 := []automerge.ChangeHash{commit(t, d, "2")}
	// Uncommitted: visible at no heads, invisible at h2.
	splice(t, d, []any{"body"}, 0, 0, ">")

	type want struct {
		body, title string
		keys, meta  []string
		tags        int
		n           any
		nKind       automerge.Kind
	}
	steps := []struct {
		name  string
		heads []automerge.ChangeHash
		want  want
	}{
		{"h0", h0, want{"hello", "Draft", []string{"body", "meta", "n", "tags", "title"}, []string{"lead"}, 1, int64(1), automerge.KindInt64}},
		{"h1", h1, want{"hello wörld😀", "Draft 2", []string{"body", "meta", "tags", "title"}, []string{"lead"}, 2, nil, automerge.KindVoid}},
		{"h2", h2, want{"HELLO wörld😀", "Draft 2", []string{"body", "flag", "meta", "tags", "title"}, []string{"contact", "lead"}, 2, nil, automerge.KindVoid}},
		{"now", nil, want{">HELLO wörld😀", "Draft 2", []string{"body", "flag", "meta", "tags", "title"}, []string{"contact", "lead"}, 2, nil, automerge.KindVoid}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			body, err := TextAt(d, []any{"body"}, st.heads)
			if err != nil || body != st.want.body {
				t.Errorf("TextAt body = %q, %v; want %q", body, err, st.want.body)
			}
			title, kind, err := GetAt(d, []any{"title"}, st.heads)
			if err != nil || title != st.want.title || kind != automerge.KindStr {
				t.Errorf("GetAt title = %v %v, %v; want %q", title, kind, err, st.want.title)
			}
			keys, err := MapKeysAt(d, nil, st.heads)
			if err != nil || !slices.Equal(keys, st.want.keys) {
				t.Errorf("MapKeysAt root = %v, %v; want %v", keys, err, st.want.keys)
			}
			meta, err := MapKeysAt(d, []any{"meta"}, st.heads)
			if err != nil || !slices.Equal(meta, st.want.meta) {
				t.Errorf("MapKeysAt meta = %v, %v; want %v", meta, err, st.want.meta)
			}
			tags, err := ListLenAt(d, []any{"tags"}, st.heads)
			if err != nil || tags != st.want.tags {
				t.Errorf("ListLenAt tags = %d, %v; want %d", tags, err, st.want.tags)
			}
			n, kind, err := GetAt(d, []any{"n"}, st.heads)
			if err != nil || n != st.want.n || kind != st.want.nKind {
				t.Errorf("GetAt n = %v %v, %v; want %v %v", n, kind, err, st.want.n, st.want.nKind)
			}
			blen, err := ListLenAt(d, []any{"body"}, st.heads)
			if err != nil || blen != utf8.RuneCountInString(st.want.body) {
				t.Errorf("ListLenAt body = %d, %v; want %d code points", blen, err, utf8.RuneCountInString(st.want.body))
			}
			// The same answers as automerge-go on a fork at those heads.
			if st.heads != nil {
				f, err := d.Fork(st.heads...)
				if err != nil {
					t.Fatal(err)
				}
				compareWithFork(t, d, f, st.heads)
			}
		})
	}
	t.Run("list items and nested values", func(t *testing.T) {
		v, k, err := GetAt(d, []any{"tags", 1}, h1)
		if err != nil || v != "b" || k != automerge.KindStr {
			t.Errorf("tags[1] at h1 = %v %v %v", v, k, err)
		}
		v, k, err = GetAt(d, []any{"tags", 1}, h0)
		if err != nil || v != nil || k != automerge.KindVoid {
			t.Errorf("tags[1] at h0 = %v %v %v; want void", v, k, err)
		}
		v, k, err = GetAt(d, []any{"meta", "lead"}, h0)
		if err != nil || v != "X" || k != automerge.KindStr {
			t.Errorf("meta.lead at h0 = %v %v %v", v, k, err)
		}
		v, k, err = GetAt(d, []any{"body"}, h1)
		if err != nil || v != "hello wörld😀" || k != automerge.KindText {
			t.Errorf("body at h1 = %v %v %v", v, k, err)
		}
		v, k, err = GetAt(d, []any{"meta"}, h0)
		if err != nil || v != nil || k != automerge.KindMap {
			t.Errorf("meta at h0 = %v %v %v", v, k, err)
		}
		v, k, err = GetAt(d, []any{"flag"}, h2)
		if err != nil || v != true || k != automerge.KindBool {
			t.Errorf("flag at h2 = %v %v %v", v, k, err)
		}
	})
}

// An element deleted since the heads is still read at those heads
// (AMlistGet refuses positions past the current length; amext does not).
func TestListElementDeletedSince(t *testing.T) {
	d := newDoc(t, actorA)
	if err := d.Path("l").Set([]any{"x", "y", "z"}); err != nil {
		t.Fatal(err)
	}
	then := []automerge.ChangeHash{commit(t, d, "three")}
	for range 3 {
		lv, err := d.Path("l").Get()
		if err != nil {
			t.Fatal(err)
		}
		if err := lv.List().Delete(0); err != nil {
			t.Fatal(err)
		}
	}
	commit(t, d, "none")
	for i, want := range []string{"x", "y", "z"} {
		v, k, err := GetAt(d, []any{"l", i}, then)
		if err != nil || v != want || k != automerge.KindStr {
			t.Fatalf("l[%d] then = %v %v %v; want %q", i, v, k, err, want)
		}
		if v, k, err := GetAt(d, []any{"l", i}, nil); err != nil || v != nil || k != automerge.KindVoid {
			t.Fatalf("l[%d] now = %v %v %v; want void", i, v, k, err)
		}
	}
}

// compareWithFork checks every read amext offers at heads against
// automerge-go's reads of f, a fork of d at those heads. The document shape
// is the one the tests here build: maps, lists and texts, any depth.
func compareWithFork(t tb, d, f *automerge.Doc, heads []automerge.ChangeHash) {
	t.Helper()
	var walk func(path []any, v *automerge.Value)
	walk = func(path []any, v *automerge.Value) {
		got, kind, err := GetAt(d, path, heads)
		if len(path) > 0 && (err != nil || kind != v.Kind()) {
			t.Fatalf("GetAt %v = %v %v, %v; fork has %v", path, got, kind, err, v.Kind())
		}
		switch v.Kind() {
		case automerge.KindMap:
			want, err := v.Map().Keys()
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(want)
			keys, err := MapKeysAt(d, path, heads)
			if err != nil || !slices.Equal(keys, want) {
				t.Fatalf("MapKeysAt %v = %v, %v; fork has %v", path, keys, err, want)
			}
			for _, k := range want {
				c, err := v.Map().Get(k)
				if err != nil {
					t.Fatal(err)
				}
				walk(append(slices.Clip(path), k), c)
			}
		case automerge.KindList:
			n, err := ListLenAt(d, path, heads)
			if err != nil || n != v.List().Len() {
				t.Fatalf("ListLenAt %v = %d, %v; fork has %d", path, n, err, v.List().Len())
			}
			for i := range n {
				c, err := v.List().Get(i)
				if err != nil {
					t.Fatal(err)
				}
				walk(append(slices.Clip(path), i), c)
			}
		case automerge.KindText:
			want, err := v.Text().Get()
			if err != nil {
				t.Fatal(err)
			}
			text, err := TextAt(d, path, heads)
			if err != nil || text != want {
				t.Fatalf("TextAt %v = %q, %v; fork has %q", path, text, err, want)
			}
			if got != want {
				t.Fatalf("GetAt %v = %q; fork has %q", path, got, want)
			}
			runs, err := TextInserters(d, path, heads)
			if err != nil {
				t.Fatal(err)
			}
			checkCover(t, runs, utf8.RuneCountInString(want))
		default:
			if !reflect.DeepEqual(got, v.Interface()) {
				t.Fatalf("GetAt %v = %#v; fork has %#v", path, got, v.Interface())
			}
		}
	}
	walk(nil, f.Root())
}

// checkCover: runs are in order, non-empty, adjacent, collapsed, and cover [0, n).
func checkCover(t tb, runs []Run, n int) {
	t.Helper()
	at := 0
	for i, r := range runs {
		if r.Start != at || r.End <= r.Start || r.Actor == "" {
			t.Fatalf("run %d = %+v after %d", i, r, at)
		}
		if i > 0 && runs[i-1].Actor == r.Actor {
			t.Fatalf("runs %d and %d both %s: not collapsed", i-1, i, r.Actor)
		}
		at = r.End
	}
	if at != n {
		t.Fatalf("runs cover [0,%d), text has %d code points", at, n)
	}
}

func TestErrors(t *testing.T) {
	d := newDoc(t, actorA)
	if err := d.Path("title").Set("T"); err != nil {
		t.Fatal(err)
	}
	if err := d.Path("body").Set(automerge.NewText("x")); err != nil {
		t.Fatal(err)
	}
	if err := d.Path("tags").Set([]any{"a"}); err != nil {
		t.Fatal(err)
	}
	first := []automerge.ChangeHash{commit(t, d, "1")}
	if err := d.Path("late").Set(automerge.NewText("y")); err != nil {
		t.Fatal(err)
	}
	commit(t, d, "2")
	other := newDoc(t, actorB)
	if err := other.Path("x").Set(1); err != nil {
		t.Fatal(err)
	}
	foreign := []automerge.ChangeHash{commit(t, other, "x")}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"text of a string", func() error { _, err := TextAt(d, []any{"title"}, nil); return err }, ErrType},
		{"text of a list", func() error { _, err := TextAt(d, []any{"tags"}, nil); return err }, ErrType},
		{"missing key", func() error { _, err := TextAt(d, []any{"nope"}, nil); return err }, ErrNotFound},
		{"not yet there", func() error { _, err := TextAt(d, []any{"late"}, first); return err }, ErrNotFound},
		{"keys of a text", func() error { _, err := MapKeysAt(d, []any{"body"}, nil); return err }, ErrType},
		{"through a scalar", func() error { _, _, err := GetAt(d, []any{"title", "x"}, nil); return err }, ErrType},
		{"key on a list", func() error { _, _, err := GetAt(d, []any{"tags", "x"}, nil); return err }, ErrType},
		{"index on a map", func() error { _, _, err := GetAt(d, []any{0}, nil); return err }, ErrType},
		{"index past the end", func() error { _, err := TextAt(d, []any{"tags", 3}, nil); return err }, ErrNotFound},
		{"float path element", func() error { _, err := TextAt(d, []any{1.5}, nil); return err }, ErrPath},
		{"length of a map", func() error { _, err := ListLenAt(d, nil, nil); return err }, ErrType},
		{"conflicts in a list", func() error { _, err := MapGetAll(d, []any{"tags"}, "x"); return err }, ErrType},
		{"foreign heads", func() error { _, err := TextAt(d, []any{"body"}, foreign); return err }, ErrHeads},
		{"foreign heads blame", func() error { _, err := TextInserters(d, []any{"body"}, foreign); return err }, ErrHeads},
		{"zero Doc", func() error { _, err := TextAt(&automerge.Doc{}, []any{"body"}, nil); return err }, ErrNoDoc},
		{"nil Doc", func() error { _, err := MapKeysAt(nil, nil, nil); return err }, ErrNoDoc},
		{"bad hex", func() error { _, err := ParseHeads("zz"); return err }, ErrHeads},
		{"short hash", func() error { _, err := ParseHeads("abcd"); return err }, ErrHeads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("absent value is void without error", func(t *testing.T) {
		v, k, err := GetAt(d, []any{"nope"}, nil)
		if err != nil || v != nil || k != automerge.KindVoid {
			t.Fatalf("GetAt nope = %v %v %v", v, k, err)
		}
		c, err := MapGetAll(d, nil, "nope")
		if err != nil || len(c) != 0 {
			t.Fatalf("MapGetAll nope = %v %v", c, err)
		}
	})
	t.Run("parse heads", func(t *testing.T) {
		hs, err := ParseHeads(first[0].String())
		if err != nil || len(hs) != 1 || hs[0] != first[0] {
			t.Fatalf("ParseHeads = %v %v", hs, err)
		}
		got, err := TextAt(d, []any{"body"}, hs)
		if err != nil || got != "x" {
			t.Fatalf("TextAt parsed heads = %q %v", got, err)
		}
	})
}

// Two drafters set the same short field offline; after the merge both values
// are there with each writer's actor, until a later write replaces them.
func TestMapGetAllConflicts(t *testing.T) {
	for _, tc := range []struct {
		name string
		path []any
	}{
		{"root", nil},
		{"nested", []any{"commitments", "c1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := func(k string) []any { return append(slices.Clone(tc.path), k) }
			a := newDoc(t, actorA)
			if err := a.Path(full("lead")...).Set("Cabinet Office"); err != nil {
				t.Fatal(err)
			}
			base := []automerge.ChangeHash{commit(t, a, "base")}
			b := forkAs(t, a, actorB)
			if err := a.Path(full("lead")...).Set("Companies House"); err != nil {
				t.Fatal(err)
			}
			ha := commit(t, a, "tim")
			if err := b.Path(full("lead")...).Set("Department for Business"); err != nil {
				t.Fatal(err)
			}
			commit(t, b, "sophia")
			merge(t, a, b)
			merged := a.Heads()
			if len(merged) != 2 {
				t.Fatalf("merged heads %d, want 2", len(merged))
			}

			c, err := MapGetAll(a, tc.path, "lead")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, x := range c {
				got[x.ActorID] = fmt.Sprint(x.Value)
				if x.Kind != automerge.KindStr || !strings.HasSuffix(x.OpID, "@"+x.ActorID) {
					t.Errorf("conflict %+v", x)
				}
			}
			want := map[string]string{actorA: "Companies House", actorB: "Department for Business"}
			if !reflect.DeepEqual(got, want) || len(c) != 2 {
				t.Fatalf("MapGetAll = %+v, want %v", c, want)
			}
			// The last is the value automerge-go shows.
			v, err := a.Path(full("lead")...).Get()
			if err != nil || v.Str() != c[len(c)-1].Value {
				t.Fatalf("Get = %v, last conflict %v", v, c[len(c)-1].Value)
			}
			// The other side sees the same conflict.
			merge(t, b, a)
			cb, err := MapGetAll(b, tc.path, "lead")
			if err != nil || !reflect.DeepEqual(cb, c) {
				t.Fatalf("other side MapGetAll = %+v, %v; want %+v", cb, err, c)
			}
			// Before the concurrent writes: one value; on one side only: one.
			for name, h := range map[string][]automerge.ChangeHash{"base": base, "tim only": {ha}} {
				c, err := MapGetAllAt(a, tc.path, "lead", h)
				if err != nil || len(c) != 1 || c[0].ActorID != actorA {
					t.Fatalf("at %s: %+v %v", name, c, err)
				}
			}
			// Keeping one value is a later write: one value remains.
			if err := b.Path(full("lead")...).Set("Companies House"); err != nil {
				t.Fatal(err)
			}
			commit(t, b, "keep")
			merge(t, a, b)
			c, err = MapGetAll(a, tc.path, "lead")
			if err != nil || len(c) != 1 || c[0].Value != "Companies House" || c[0].ActorID != actorB {
				t.Fatalf("after resolving: %+v %v", c, err)
			}
			// History still shows the conflict at the merged heads.
			c, err = MapGetAllAt(a, tc.path, "lead", merged)
			if err != nil || len(c) != 2 {
				t.Fatalf("at merged heads: %+v %v", c, err)
			}
		})
	}
}

// Two typists take turns in one paragraph (inserts, deletions of each
// other's words, multi-byte characters), plus one truly concurrent round.
func TestTextInsertersTwoTypists(t *testing.T) {
	path := []any{"p"}
	a := newDoc(t, actorA)
	if err := a.Path(path...).Set(automerge.NewText("")); err != nil {
		t.Fatal(err)
	}
	commit(t, a, "new")
	b := forkAs(t, a, actorB)
	docs := map[string]*automerge.Doc{actorA: a, actorB: b}
	var model owners
	type step struct {
		actor    string
		pos, del int
		ins      string
	}
	steps := []step{
		{actorA, 0, 0, "Hello world"},
		{actorB, 5, 0, ", dear"},
		{actorA, 17, 0, "! Ça va? 😀"},
		{actorB, 0, 1, "J"},    // B replaces A's H
		{actorA, 7, 3, "dé"},   // A deletes part of B's word
		{actorB, 12, 4, "WOR"}, // B overwrites A's text
		{actorA, 0, 0, "«"},
	}
	var history [][]automerge.ChangeHash
	var models []owners
	last := a
	for i, st := range steps {
		d := docs[st.actor]
		if d != last {
			merge(t, d, last)
		}
		splice(t, d, path, st.pos, st.del, st.ins)
		commit(t, d, fmt.Sprint("step", i))
		model = model.splice(st.pos, st.del, st.ins, st.actor)
		history = append(history, d.Heads())
		models = append(models, slices.Clone(model))
		last = d
	}
	// Concurrent round: A types at the start while B types at the end.
	merge(t, a, b)
	merge(t, b, a)
	n := len(model)
	splice(t, a, path, 0, 0, "A: ")
	splice(t, b, path, n, 0, " –B")
	commit(t, a, "a")
	commit(t, b, "b")
	merge(t, a, b)
	model = model.splice(0, 0, "A: ", actorA).splice(n+3, 0, " –B", actorB)

	runs, err := TextInserters(a, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := a.Path(path...).Text().Get()
	if want := model.runs(); !reflect.DeepEqual(runs, want) {
		t.Fatalf("text %q\nruns %+v\nwant %+v", text, runs, want)
	}
	checkCover(t, runs, utf8.RuneCountInString(text))
	// At every past version, the blame of that version.
	for i, h := range history {
		runs, err := TextInserters(a, path, h)
		if err != nil {
			t.Fatal(err)
		}
		if want := models[i].runs(); !reflect.DeepEqual(runs, want) {
			t.Fatalf("after step %d: runs %+v, want %+v", i, runs, want)
		}
	}
	empty, err := TextInserters(a, path, history[0][:0])
	if err != nil || len(empty) == 0 {
		t.Fatalf("no heads means now: %v %v", empty, err)
	}
}

// The friendsforever trace typed by two agents on two replicas; the final
// text's blame names only those agents, covers the text, and gives each
// agent only characters it typed.
func TestTextInsertersConcurrentTrace(t *testing.T) {
	tr := traces.LoadOrSkip(t, "friendsforever.json.gz")
	path := []any{"text"}
	base := newDoc(t, "00")
	if err := base.Path(path...).Set(automerge.NewText(tr.StartContent)); err != nil {
		t.Fatal(err)
	}
	commit(t, base, "start")
	actors := make([]string, tr.NumAgents)
	reps := make([]*automerge.Doc, tr.NumAgents)
	typed := make([]map[rune]int, tr.NumAgents)
	for i := range reps {
		actors[i] = fmt.Sprintf("%02x%030d", i+1, 0)
		reps[i] = forkAs(t, base, actors[i])
		typed[i] = map[rune]int{}
	}
	changes := make([]*automerge.Change, len(tr.Txns))
	applied := make([][]bool, tr.NumAgents)
	for i := range applied {
		applied[i] = make([]bool, len(tr.Txns))
	}
	bring := func(a int, need []int) {
		slices.Sort(need)
		for _, n := range need {
			if !applied[a][n] {
				if err := reps[a].Apply(changes[n]); err != nil {
					t.Fatalf("apply %d: %v", n, err)
				}
				applied[a][n] = true
			}
		}
	}
	var mid []automerge.ChangeHash
	var midText string
	for i, tx := range tr.Txns {
		a := tx.Agent
		var need []int
		stack := slices.Clone(tx.Parents)
		seen := map[int]bool{}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[n] || applied[a][n] {
				continue
			}
			seen[n] = true
			need = append(need, n)
			stack = append(stack, tr.Txns[n].Parents...)
		}
		bring(a, need)
		for _, p := range tx.Patches {
			splice(t, reps[a], path, p.Pos, p.Del, p.Ins)
			for _, r := range p.Ins {
				typed[a][r]++
			}
		}
		h := commit(t, reps[a], "edit")
		ch, err := reps[a].Change(h)
		if err != nil {
			t.Fatal(err)
		}
		changes[i] = ch
		applied[a][i] = true
		if i == len(tr.Txns)/2 {
			mid = reps[a].Heads()
			midText, _ = reps[a].Path(path...).Text().Get()
		}
	}
	all := make([]int, len(tr.Txns))
	for i := range all {
		all[i] = i
	}
	bring(0, all)
	d := reps[0]
	text, err := TextAt(d, path, nil)
	if err != nil || text != tr.EndContent {
		t.Fatalf("final text %d bytes, %v; want endContent (%d bytes)", len(text), err, len(tr.EndContent))
	}
	runs, err := TextInserters(d, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := []rune(text)
	checkCover(t, runs, len(rs))
	per := map[string]int{}
	for _, r := range runs {
		i := slices.Index(actors, r.Actor)
		if i < 0 {
			t.Fatalf("run %+v names an actor that typed nothing here", r)
		}
		per[r.Actor] += r.End - r.Start
		got := map[rune]int{}
		for _, c := range rs[r.Start:r.End] {
			got[c]++
		}
		for c, n := range got {
			if typed[i][c] < n {
				t.Fatalf("run %+v gives agent %d %d×%q; it typed %d", r, i, n, c, typed[i][c])
			}
			typed[i][c] -= n // each typed character is attributed at most once
		}
	}
	for _, a := range actors {
		if per[a] == 0 {
			t.Fatalf("agent %s wrote none of the final text: %v", a, per)
		}
	}
	t.Logf("%d code points in %d runs: %v", len(rs), len(runs), per)
	// Blame at a past version covers that version's text.
	midRuns, err := TextInserters(d, path, mid)
	if err != nil {
		t.Fatal(err)
	}
	checkCover(t, midRuns, utf8.RuneCountInString(midText))
	if got, _ := TextAt(d, path, mid); got != midText {
		t.Fatalf("TextAt mid differs from the replica's text then")
	}
}

// Reading never commits what is being typed: automerge-go's Heads closes
// the open transaction (the next Commit is then empty and its message lost);
// amext's calls, at heads or now, leave it open.
func TestReadsLeavePendingEditsAlone(t *testing.T) {
	d := newDoc(t, actorA)
	if err := d.Path("t").Set(automerge.NewText("abc")); err != nil {
		t.Fatal(err)
	}
	h := []automerge.ChangeHash{commit(t, d, "init")}
	for _, heads := range [][]automerge.ChangeHash{nil, h} {
		for name, call := range map[string]func() error{
			"TextAt":        func() error { _, err := TextAt(d, []any{"t"}, heads); return err },
			"TextInserters": func() error { _, err := TextInserters(d, []any{"t"}, heads); return err },
			"GetAt":         func() error { _, _, err := GetAt(d, []any{"t"}, heads); return err },
			"MapKeysAt":     func() error { _, err := MapKeysAt(d, nil, heads); return err },
			"ListLenAt":     func() error { _, err := ListLenAt(d, []any{"t"}, heads); return err },
			"MapGetAllAt":   func() error { _, err := MapGetAllAt(d, nil, "t", heads); return err },
		} {
			t.Run(fmt.Sprintf("%s at %d heads", name, len(heads)), func(t *testing.T) {
				splice(t, d, []any{"t"}, 0, 0, "x")
				if err := call(); err != nil {
					t.Fatal(err)
				}
				if _, err := d.Commit("typed x"); err != nil {
					t.Fatalf("commit after %s: %v (the read committed the pending edit)", name, err)
				}
			})
		}
	}
}

// Every kind of value reads back as automerge-go reads it.
func TestValueKinds(t *testing.T) {
	when := time.UnixMilli(1_700_000_000_123)
	tests := []struct {
		name string
		set  any
		want any
		kind automerge.Kind
	}{
		{"string", "Companies House", "Companies House", automerge.KindStr},
		{"empty string", "", "", automerge.KindStr},
		{"bool", true, true, automerge.KindBool},
		{"int64", int64(-42), int64(-42), automerge.KindInt64},
		{"uint64", uint64(1 << 63), uint64(1 << 63), automerge.KindUint64},
		{"float64", 2.5, 2.5, automerge.KindFloat64},
		{"bytes", []byte{0, 1, 2}, []byte{0, 1, 2}, automerge.KindBytes},
		{"time", when, when, automerge.KindTime},
		{"null", nil, nil, automerge.KindNull},
		{"counter", automerge.NewCounter(7), int64(7), automerge.KindCounter},
		{"text", automerge.NewText("t😀"), "t😀", automerge.KindText},
		{"map", map[string]any{"a": 1}, nil, automerge.KindMap},
		{"list", []any{1}, nil, automerge.KindList},
	}
	d := newDoc(t, actorA)
	for _, tc := range tests {
		if err := d.Path("v", tc.name).Set(tc.set); err != nil {
			t.Fatalf("set %s: %v", tc.name, err)
		}
	}
	heads := []automerge.ChangeHash{commit(t, d, "values")}
	if err := d.Path("v").Set(map[string]any{}); err != nil { // replaced since
		t.Fatal(err)
	}
	commit(t, d, "cleared")
	f, err := d.Fork(heads...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, kind, err := GetAt(d, []any{"v", tc.name}, heads)
			if err != nil || kind != tc.kind {
				t.Fatalf("GetAt = %v %v %v; want kind %v", got, kind, err, tc.kind)
			}
			if w, ok := tc.want.(time.Time); ok {
				if g, ok := got.(time.Time); !ok || !g.Equal(w) {
					t.Fatalf("GetAt = %v, want %v", got, w)
				}
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("GetAt = %#v, want %#v", got, tc.want)
			}
			c, err := MapGetAllAt(d, []any{"v"}, tc.name, heads)
			if err != nil || len(c) != 1 || c[0].Kind != tc.kind || c[0].ActorID != actorA {
				t.Fatalf("MapGetAllAt = %+v %v", c, err)
			}
			v, err := f.Path("v", tc.name).Get()
			if err != nil || v.Kind() != kind {
				t.Fatalf("fork has %v %v", v, err)
			}
			if _, _, err := GetAt(d, []any{"v", tc.name}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Docs from Load and Fork hold their C document the same way as New's.
func TestLoadedAndForkedDocs(t *testing.T) {
	d := newDoc(t, actorA)
	if err := d.Path("t").Set(automerge.NewText("one")); err != nil {
		t.Fatal(err)
	}
	h := []automerge.ChangeHash{commit(t, d, "one")}
	splice(t, d, []any{"t"}, 3, 0, " two")
	commit(t, d, "two")
	loaded, err := automerge.Load(d.Save())
	if err != nil {
		t.Fatal(err)
	}
	forked, err := d.Fork()
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*automerge.Doc{"loaded": loaded, "forked": forked} {
		then, err := TextAt(x, []any{"t"}, h)
		if err != nil || then != "one" {
			t.Errorf("%s: TextAt then = %q %v", name, then, err)
		}
		now, err := TextAt(x, []any{"t"}, nil)
		if err != nil || now != "one two" {
			t.Errorf("%s: TextAt now = %q %v", name, now, err)
		}
	}
}
