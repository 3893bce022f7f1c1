package doc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// Tokens are unique words replicas type; a token nobody deleted must
// survive every merge order.
var tokenRE = regexp.MustCompile(`\[r\d+t\d+\]`)

type propWorld struct {
	reps      []*Plan
	nextTok   int
	tokens    map[string]string // token -> commitment it was typed into
	deleted   map[string]bool
	removedCs map[string]bool
}

// boundaries are the positions (code points) not inside a token, so
// inserts never split one.
func boundaries(s string) []int {
	spans := tokenRE.FindAllStringIndex(s, -1)
	var out []int
	n := utf8.RuneCountInString(s)
	for pos := 0; pos <= n; pos++ {
		b := len(string([]rune(s)[:pos]))
		inside := false
		for _, sp := range spans {
			if b > sp[0] && b < sp[1] {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, pos)
		}
	}
	return out
}

func (w *propWorld) edit(t *rapid.T, ri int) {
	p := w.reps[ri]
	sums := p.Summaries()
	op := rapid.IntRange(0, 9).Draw(t, "op")
	if len(sums) == 0 {
		op = 0
	}
	var cid string
	if len(sums) > 0 {
		cid = sums[rapid.IntRange(0, len(sums)-1).Draw(t, "c")].ID
	}
	switch op {
	case 0: // add a commitment
		if _, err := p.AddCommitment(NewCommitment{Title: fmt.Sprintf("C%d", w.nextTok)}); err != nil {
			t.Fatal(err)
		}
		w.nextTok++
	case 1, 2, 3: // type a token into the description
		ref := CommitmentText(cid, "description")
		text, err := p.Text(ref)
		if err != nil {
			t.Fatal(err)
		}
		bs := boundaries(text)
		pos := bs[rapid.IntRange(0, len(bs)-1).Draw(t, "pos")]
		tok := fmt.Sprintf("[r%dt%d]", ri, w.nextTok)
		w.nextTok++
		w.tokens[tok] = cid
		if err := p.Splice(ref, pos, 0, tok); err != nil {
			t.Fatal(err)
		}
	case 4: // delete a range
		ref := CommitmentText(cid, "description")
		text, _ := p.Text(ref)
		n := utf8.RuneCountInString(text)
		if n == 0 {
			return
		}
		pos := rapid.IntRange(0, n-1).Draw(t, "dpos")
		del := rapid.IntRange(1, min(8, n-pos)).Draw(t, "del")
		// Every token the range touches counts as deleted by somebody.
		bstart, bend := len(string([]rune(text)[:pos])), len(string([]rune(text)[:pos+del]))
		for _, sp := range tokenRE.FindAllStringIndex(text, -1) {
			if sp[0] < bend && sp[1] > bstart {
				w.deleted[text[sp[0]:sp[1]]] = true
			}
		}
		if err := p.Splice(ref, pos, del, ""); err != nil {
			t.Fatal(err)
		}
	case 5:
		st := States[rapid.IntRange(0, len(States)-1).Draw(t, "st")]
		if err := p.SetCommitmentState(cid, st); err != nil {
			t.Fatal(err)
		}
	case 6:
		if err := p.MoveCommitment(cid, rapid.IntRange(0, len(sums)-1).Draw(t, "to")); err != nil {
			t.Fatal(err)
		}
	case 7:
		mid, err := p.AddMilestone(cid, "M")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.SetMilestoneField(cid, mid, "end", "2026-06-30"); err != nil {
			t.Fatal(err)
		}
	case 8:
		if err := p.SetCommitmentShort(cid, FieldLead, fmt.Sprintf("Agency %d", rapid.IntRange(0, 3).Draw(t, "lead"))); err != nil {
			t.Fatal(err)
		}
	case 9:
		if rapid.IntRange(0, 3).Draw(t, "rmchance") == 0 {
			w.removedCs[cid] = true
			if err := p.RemoveCommitment(cid); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func merge(t *rapid.T, dst, src *Plan) {
	saved, err := src.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Merge(saved); err != nil {
		t.Fatal(err)
	}
}

func contentJSON(t *rapid.T, p *Plan) string {
	c := p.Content()
	c.Members = nil // addedAt differs by replica only if re-added; keep the check on the plan proper
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Three to five replicas edit offline, merge in random orders, and end
// identical with every undeleted word kept.
func TestMergeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base, err := NewPlan("Prop", "Testland", "2025", "2027", testAuthor)
		if err != nil {
			t.Fatal(err)
		}
		n := rapid.IntRange(3, 5).Draw(t, "replicas")
		w := &propWorld{tokens: map[string]string{}, deleted: map[string]bool{}, removedCs: map[string]bool{}}
		for i := range n {
			w.reps = append(w.reps, replica(t, base, Author{PeerID: fmt.Sprint("peer", i), Name: fmt.Sprint("R", i)}))
		}
		rounds := rapid.IntRange(1, 4).Draw(t, "rounds")
		for range rounds {
			for i := range n {
				for range rapid.IntRange(0, 6).Draw(t, "edits") {
					w.edit(t, i)
				}
			}
			// Some random pairwise merges (people meeting in twos).
			for range rapid.IntRange(0, n).Draw(t, "pairs") {
				a := rapid.IntRange(0, n-1).Draw(t, "a")
				b := rapid.IntRange(0, n-1).Draw(t, "b")
				if a != b {
					merge(t, w.reps[a], w.reps[b])
				}
			}
		}
		// Everyone meets: merge all in a random order, twice round.
		order := rapid.Permutation(rangeInts(n)).Draw(t, "order")
		for _, i := range order[1:] {
			merge(t, w.reps[order[0]], w.reps[i])
		}
		for _, i := range order[1:] {
			merge(t, w.reps[i], w.reps[order[0]])
		}
		want := contentJSON(t, w.reps[0])
		for i, r := range w.reps[1:] {
			if got := contentJSON(t, r); got != want {
				t.Fatalf("replica %d differs from replica 0:\n%s\n%s", i+1, got, want)
			}
		}
		final := w.reps[0].Content()
		descs := map[string]string{}
		for _, c := range final.Commitments {
			descs[c.ID] = c.Description
		}
		for tok, cid := range w.tokens {
			if w.deleted[tok] || w.removedCs[cid] {
				continue
			}
			if !strings.Contains(descs[cid], tok) {
				t.Fatalf("token %s typed into %s and never deleted is missing: %q", tok, cid, descs[cid])
			}
		}
	})
}

func rangeInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
