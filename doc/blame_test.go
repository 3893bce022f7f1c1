package doc

import (
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/internal/traces"
)

// Two members type one text in turns, each on a laptop of their own,
// syncing between turns: blame gives every passage to its typist. The
// typing is the real sequential trace, split between them; a model of who
// typed each character, kept beside the replay, is the expected answer.
func TestBlameAssignsPassagesToTypists(t *testing.T) {
	tr := traces.LoadOrSkip(t, "sveltecomponent.json.gz")
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	cid, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting"})
	ann.Commit()
	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)
	ref := CommitmentText(cid, "description")

	var who []string // the typist of each code point, as the model sees it
	typists := []*Plan{ann, mau}
	turn := len(tr.Txns) / 7
	for i, tx := range tr.Txns {
		p := typists[(i/turn)%2]
		if i > 0 && i%turn == 0 {
			exchange(t, ann, mau)
		}
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				t.Fatal(err)
			}
			ins := make([]string, len([]rune(pt.Ins)))
			for j := range ins {
				ins[j] = p.Author().PeerID
			}
			who = append(who[:pt.Pos], append(ins, who[pt.Pos+pt.Del:]...)...)
		}
		clock.advance(150 * time.Millisecond)
	}
	exchange(t, ann, mau)

	for _, p := range []*Plan{ann, mau} {
		ps, err := p.Blame(ref)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := p.Text(ref)
		var joined strings.Builder
		pos := 0
		for i, ps := range ps {
			if ps.Start != pos || ps.End <= ps.Start {
				t.Fatalf("passage %d spans %d–%d after %d", i, ps.Start, ps.End, pos)
			}
			for j := ps.Start; j < ps.End; j++ {
				if who[j] != ps.PeerID {
					t.Fatalf("character %d (%q) blamed on %s (%s), typed by %s", j, []rune(text)[j], ps.Author, ps.PeerID, who[j])
				}
			}
			if ps.Author == "" || ps.Verified {
				t.Fatalf("passage %+v", ps)
			}
			joined.WriteString(ps.Text)
			pos = ps.End
		}
		if joined.String() != text || text != tr.EndContent {
			t.Fatal("the passages do not make up the text")
		}
		authors := map[string]bool{}
		for _, ps := range ps {
			authors[ps.Author] = true
		}
		if !authors[testAuthor.Name] || !authors[maurice.Name] || len(ps) < 4 {
			t.Fatalf("%d passages by %v", len(ps), authors)
		}
	}
}

// A short text typed concurrently: each member's words are theirs, and
// words one deleted from the other's are nobody's.
func TestBlameConcurrentTyping(t *testing.T) {
	clock := &fakeClock{t: at(9, 0)}
	ann := newTestPlanAt(t, clock)
	cid, _ := ann.AddCommitment(NewCommitment{Title: "Open contracting"})
	ref := CommitmentText(cid, "description")
	ann.SetText(ref, "Publish every contract.")
	ann.Commit()
	mau := replica(t, ann, maurice)
	autoCommit(t, mau, clock)
	ann.SetText(ref, "Publish every contract over £10,000.")
	mau.SetText(ref, "Publish every contract. Within a month.")
	ann.Commit()
	mau.Commit()
	exchange(t, ann, mau)
	mau.SetText(ref, strings.Replace(mustText(t, mau, ref), "every ", "", 1))
	mau.Commit()
	exchange(t, ann, mau)
	ps, err := ann.Blame(ref)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Author+": "+p.Text)
	}
	want := []string{"Ann Jones: Publish contract over £10,000.", "Maurice Frankel:  Within a month."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("blame %q, want %q", got, want)
	}
}

func mustText(t *testing.T, p *Plan, r TextRef) string {
	t.Helper()
	s, err := p.Text(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
