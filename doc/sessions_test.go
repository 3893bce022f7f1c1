package doc

import (
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coplan/coplan/internal/traces"
)

var (
	maurice = Author{PeerID: "12D3KooWTestMaurice", Name: "Maurice Frankel", Org: "Campaign for Freedom of Information", Side: CivilSociety}
	carla   = Author{PeerID: "12D3KooWTestCarla", Name: "Carla Diaz", Org: "Open Data Institute", Side: CivilSociety}
)

// at is a moment on the test day, in UTC.
func at(h, m int) time.Time { return time.Date(2025, 11, 2, h, m, 0, 0, time.UTC) }

// autoCommit puts p on the commit policy with the given clock.
func autoCommit(t testing.TB, p *Plan, clock *fakeClock) {
	t.Helper()
	if err := p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}); err != nil {
		t.Fatal(err)
	}
}

// replayInto types n transactions of a trace into a text, 150 ms per
// transaction from the clock's time, and reports the code points inserted
// and deleted.
func replayInto(t testing.TB, p *Plan, clock *fakeClock, ref TextRef, tr *traces.Trace, n int) (ins, del int) {
	t.Helper()
	for i, tx := range tr.Txns[:n] {
		if i > 0 {
			clock.advance(150 * time.Millisecond)
		}
		for _, pt := range tx.Patches {
			if err := p.Splice(ref, pt.Pos, pt.Del, pt.Ins); err != nil {
				t.Fatal(err)
			}
			ins += utf8.RuneCountInString(pt.Ins)
			del += pt.Del
		}
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	return ins, del
}

// exchange merges every replica's changes into every other, as a meeting
// where the three laptops sync would.
func exchange(t testing.TB, ps ...*Plan) {
	t.Helper()
	for _, a := range ps {
		for _, b := range ps {
			if a == b {
				continue
			}
			chunk, err := a.SaveChangesSince(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.ApplyChanges(chunk); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Three drafters edit on their own laptops, one replaying a real typing
// trace with its timestamps; after a three-way merge each replica groups
// the same sessions, attributes every change to the drafter who made it,
// and says what each session did in words.
func TestSessionsAfterThreePeerMerge(t *testing.T) {
	tr := traces.LoadOrSkip(t, "sveltecomponent.json.gz")
	clock := &fakeClock{t: at(13, 0)}
	ann := newTestPlanAt(t, clock)
	var cids []string
	for _, title := range []string{"Open contracting", "Beneficial ownership", "Lobbying register", "Freedom of information"} {
		id, err := ann.AddCommitment(NewCommitment{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		cids = append(cids, id)
	}
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	mau, car := replica(t, ann, maurice), replica(t, ann, carla)
	autoCommit(t, mau, clock)
	autoCommit(t, car, clock)

	// Maurice types the description of commitment 4 from 14:02 to 14:20
	// (7,201 keystrokes 150 ms apart), then after a break the problem of
	// commitment 2.
	clock.t = at(14, 2)
	mIns, mDel := replayInto(t, mau, clock, CommitmentText(cids[3], "description"), tr, 7201)
	if !clock.t.Equal(at(14, 20)) {
		t.Fatalf("the replay ended at %v", clock.t)
	}
	// Ann, offline at the same time, retitles commitment 1.
	clock.t = at(14, 5)
	if err := ann.SetText(CommitmentText(cids[0], "title"), "Open contracting in every department"); err != nil {
		t.Fatal(err)
	}
	clock.advance(3 * time.Minute)
	if err := ann.SetCommitmentState(cids[0], Agreed); err != nil {
		t.Fatal(err)
	}
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	// Carla adds the self-assessment to the timeline.
	clock.t = at(14, 10)
	if _, err := car.AddTimeline("Self-assessment report", "2026-09-30", ""); err != nil {
		t.Fatal(err)
	}
	if err := car.Commit(); err != nil {
		t.Fatal(err)
	}
	clock.t = at(15, 0)
	if err := mau.SetText(CommitmentText(cids[1], "problem"), "No register of who owns companies."); err != nil {
		t.Fatal(err)
	}
	if err := mau.Commit(); err != nil {
		t.Fatal(err)
	}
	exchange(t, ann, mau, car)

	hm := func(tm time.Time) string { return tm.Local().Format("15:04") }
	want := []struct {
		who     Author
		summary string
	}{
		{testAuthor, fmt.Sprintf("Ann Jones (Cabinet Office) created plan Open Government NAP 2025–2027 and added commitments 1, 2, 3 and 4, %s, +%d −0 characters",
			hm(at(13, 0)), utf8.RuneCountInString("Open contractingBeneficial ownershipLobbying registerFreedom of information"))},
		{maurice, fmt.Sprintf("Maurice Frankel (Campaign for Freedom of Information) edited the description of commitment 4, %s–%s, +%d −%d characters",
			hm(at(14, 2)), hm(at(14, 20)), mIns, mDel)},
		{testAuthor, fmt.Sprintf("Ann Jones (Cabinet Office) edited the title of commitment 1 and moved it to agreed, %s–%s, +%d −0 characters",
			hm(at(14, 5)), hm(at(14, 8)), utf8.RuneCountInString(" in every department"))},
		{carla, fmt.Sprintf("Carla Diaz (Open Data Institute) added timeline entry “Self-assessment report”, %s, +%d −0 characters",
			hm(at(14, 10)), utf8.RuneCountInString("Self-assessment report"))},
		{maurice, fmt.Sprintf("Maurice Frankel (Campaign for Freedom of Information) edited the problem of commitment 2, %s, +%d −0 characters",
			hm(at(15, 0)), utf8.RuneCountInString("No register of who owns companies."))},
	}
	actors := map[string]string{ann.actor: testAuthor.PeerID, mau.actor: maurice.PeerID, car.actor: carla.PeerID}
	for _, p := range []*Plan{ann, mau, car} {
		// The plan itself was created on the wall clock, not on the test day.
		ss, err := p.Sessions(HistoryFilter{Since: at(12, 0), Until: at(23, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != len(want) {
			for _, s := range ss {
				t.Log(s.Summary)
			}
			t.Fatalf("%d sessions, want %d", len(ss), len(want))
		}
		for i, w := range want {
			if ss[i].PeerID != w.who.PeerID || ss[i].Summary != w.summary || ss[i].Verified {
				t.Errorf("session %d:\n got %s (%s, verified %v)\nwant %s", i, ss[i].Summary, ss[i].PeerID, ss[i].Verified, w.summary)
			}
		}
		log, err := p.ChangeLog()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range log {
			a, verified := p.Attribution(c.Hash)
			if a.PeerID != actors[c.Actor] || c.PeerID != a.PeerID || verified {
				t.Fatalf("change %s by actor %s attributed to %q (verified %v), want %q", short(c.Hash), short(c.Actor), a.PeerID, verified, actors[c.Actor])
			}
		}
	}

	for _, tc := range []struct {
		name string
		f    HistoryFilter
		want []int // indexes into want
	}{
		{"member by name", HistoryFilter{Member: "maurice frankel"}, []int{1, 4}},
		{"member by peer prefix", HistoryFilter{Member: carla.PeerID[:14]}, []int{3}},
		{"organisation", HistoryFilter{Org: "cabinet office"}, []int{0, 2}},
		{"side", HistoryFilter{Side: CivilSociety}, []int{1, 3, 4}},
		{"since", HistoryFilter{Since: at(14, 30)}, []int{4}},
		{"until", HistoryFilter{Until: at(14, 1)}, []int{0}},
		{"nobody", HistoryFilter{Member: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			if f.Since.IsZero() {
				f.Since = at(12, 0)
			}
			if f.Until.IsZero() {
				f.Until = at(23, 0)
			}
			ss, err := ann.Sessions(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(ss) != len(tc.want) {
				t.Fatalf("%d sessions, want %d", len(ss), len(tc.want))
			}
			for i, w := range tc.want {
				if ss[i].Summary != want[w].summary {
					t.Errorf("session %d: %s\nwant %s", i, ss[i].Summary, want[w].summary)
				}
			}
		})
	}
	// A commitment filter keeps only that commitment's edits.
	for _, tc := range []struct {
		cid  string
		want []string
	}{
		{cids[0], []string{
			fmt.Sprintf("Ann Jones (Cabinet Office) added commitment 1, %s, +%d −0 characters", hm(at(13, 0)), len("Open contracting")),
			want[2].summary}},
		{cids[3], []string{
			fmt.Sprintf("Ann Jones (Cabinet Office) added commitment 4, %s, +%d −0 characters", hm(at(13, 0)), len("Freedom of information")),
			want[1].summary}},
	} {
		ss, err := car.Sessions(HistoryFilter{Commitment: tc.cid, Since: at(12, 0), Until: at(23, 0)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range ss {
			got = append(got, s.Summary)
			if len(s.Commitments) != 1 || s.Commitments[0] != tc.cid {
				t.Errorf("session touches %v", s.Commitments)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("commitment %s:\n got %q\nwant %q", tc.cid, got, tc.want)
		}
	}
}
