package doc

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

var testBob = Author{PeerID: "12D3KooWTestBob", Name: "Bob Okafor", Org: "Open Data Network", Side: CivilSociety}

func commitmentWithText(t *testing.T, p *Plan, text string) string {
	t.Helper()
	id, err := p.AddCommitment(NewCommitment{Title: "Open contracting"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetText(CommitmentText(id, "description"), text); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCommentReplies(t *testing.T) {
	p := newTestPlan(t)
	cid := commitmentWithText(t, p, "Publish contracts.")
	root, err := p.AddComment(cid, "Which contracts?")
	if err != nil {
		t.Fatal(err)
	}
	r1, err := p.ReplyToComment(root, "All above £10,000.")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.ReplyToComment(r1, "And their amendments?") // a reply to a reply joins the thread
	if err != nil {
		t.Fatal(err)
	}
	other, _ := p.AddComment(cid, "A second thread")
	for _, tc := range []struct {
		name, parent, body string
		want               error
	}{
		{"empty", root, "  ", ErrInvalid},
		{"no such comment", "nope", "Hello", ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := p.ReplyToComment(tc.parent, tc.body); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	cs := p.CommentsOn(cid)
	th := Threads(cs)
	if len(th) != 2 || th[0].ID != root || th[1].ID != other {
		t.Fatalf("threads %+v", th)
	}
	if len(th[0].Replies) != 2 || th[0].Replies[0].ID != r1 || th[0].Replies[1].ID != r2 {
		t.Fatalf("replies %+v", th[0].Replies)
	}
	for _, r := range th[0].Replies {
		if r.Parent != root || r.Target != cid || r.Author != testAuthor.Name {
			t.Errorf("reply %+v", r)
		}
	}
	// Replies made on two laptops at once are both kept.
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	q := replica(t, p, testBob)
	if _, err := p.ReplyToComment(root, "From Ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.ReplyToComment(root, "From Bob"); err != nil {
		t.Fatal(err)
	}
	theirs, err := q.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Merge(theirs); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, r := range Threads(p.CommentsOn(cid))[0].Replies {
		bodies = append(bodies, r.Body)
	}
	if got := strings.Join(bodies, "|"); !strings.Contains(got, "From Ann") || !strings.Contains(got, "From Bob") {
		t.Errorf("replies after the merge: %s", got)
	}
}

func TestAnchoredComment(t *testing.T) {
	const text = "The ministry will publish contracts. Civil society will monitor contracts quarterly."
	p := newTestPlan(t)
	cid := commitmentWithText(t, p, text)
	start := strings.LastIndex(text, "contracts") // the second one
	end := start + len("contracts")
	id, err := p.AddAnchoredComment(cid, "description", start, end, "Which ones?")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		field      string
		start, end int
		want       error
	}{
		{"title", "title", 0, 3, ErrInvalid},
		{"empty passage", "description", 4, 4, ErrInvalid},
		{"past the end", "description", 10, 1000, ErrInvalid},
		{"unknown field", "budget", 0, 3, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := p.AddAnchoredComment(cid, tc.field, tc.start, tc.end, "x"); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	cs := p.CommentsOn(cid)
	if len(cs) != 1 || cs[0].ID != id || cs[0].Target != cid+"/description" {
		t.Fatalf("comments %+v", cs)
	}
	a := cs[0].Anchor
	if a == nil || a.Field != "description" || a.Quote != "contracts" || a.Start != start || a.End != end || a.Before != text[start-anchorContext:start] {
		t.Fatalf("anchor %+v", a)
	}

	// A colleague edits before the passage; the anchor follows it.
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	q := replica(t, p, testBob)
	ref := CommitmentText(cid, "description")
	if err := q.Splice(ref, 0, 0, "In 2026, "); err != nil {
		t.Fatal(err)
	}
	theirs, _ := q.Save()
	if _, err := p.Merge(theirs); err != nil {
		t.Fatal(err)
	}
	now, _ := p.Text(ref)
	s, e, ok := FindAnchor(now, *p.CommentsOn(cid)[0].Anchor)
	if want := strings.LastIndex(now, "contracts"); !ok || s != want || e != want+9 {
		t.Errorf("after an edit before it the passage is at %d..%d (%v), want %d", s, e, ok, want)
	}
	// Editing the passage itself loses it.
	if err := p.Splice(ref, s, e-s, "tenders"); err != nil {
		t.Fatal(err)
	}
	now, _ = p.Text(ref)
	if s2, _, ok := FindAnchor(now, *a); ok && s2 == s {
		t.Errorf("an edited passage is still found at %d", s2)
	}
}

func TestFindAnchor(t *testing.T) {
	a := CommentAnchor{Quote: "data", Start: 30, Before: "monitor the ", After: " weekly"}
	for _, tc := range []struct {
		name, text string
		want       int // -1: not found
	}{
		{"where it was", "We publish data. We monitor the data weekly.", 32},
		{"moved by an insert before", "Today: we publish data. We monitor the data weekly.", 39},
		{"repeated: the surroundings tell", "data, data. We monitor the data weekly. More data.", 27},
		{"repeated without context: the nearest", "data data data data data data data data data data", 30},
		{"edited away", "We publish figures. We monitor the figures weekly.", -1},
		{"empty text", "", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, e, ok := FindAnchor(tc.text, a)
			if tc.want < 0 {
				if ok {
					t.Errorf("found at %d", s)
				}
				return
			}
			if !ok || s != tc.want || e != tc.want+4 {
				t.Errorf("found at %d..%d (%v), want %d", s, e, ok, tc.want)
			}
		})
	}
}

// TestAnchorFollowsEdits makes random edits around an anchored passage
// that occurs once: FindAnchor must find it exactly where it moved to.
func TestAnchorFollowsEdits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.SampledFrom([]rune("abc é\n"))
		pre := rapid.StringOfN(alpha, 0, 40, -1).Draw(t, "pre")
		post := rapid.StringOfN(alpha, 0, 40, -1).Draw(t, "post")
		quote := "«QUOTE»"
		text := []rune(pre + quote + post)
		start := utf8.RuneCountInString(pre)
		a := CommentAnchor{Quote: quote, Start: start, End: start + 7,
			Before: string(text[max(0, start-anchorContext):start]), After: string(text[start+7 : min(len(text), start+7+anchorContext)])}
		for range rapid.IntRange(0, 10).Draw(t, "edits") {
			// A splice entirely before or after the passage.
			before := rapid.Bool().Draw(t, "before")
			lo, hi := 0, start
			if !before {
				lo, hi = start+7, len(text)
			}
			pos := rapid.IntRange(lo, hi).Draw(t, "pos")
			del := rapid.IntRange(0, hi-pos).Draw(t, "del")
			ins := []rune(rapid.StringOfN(alpha, 0, 10, -1).Draw(t, "ins"))
			text = append(append(append([]rune{}, text[:pos]...), ins...), text[pos+del:]...)
			if before {
				start += len(ins) - del
			}
		}
		s, e, ok := FindAnchor(string(text), a)
		if !ok || s != start || e != start+7 {
			t.Fatalf("passage at %d, found %d..%d (%v) in %q", start, s, e, ok, string(text))
		}
	})
}
