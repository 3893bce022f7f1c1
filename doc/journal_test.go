package doc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc/store"
)

// A date-time names the latest version this device held then, from the
// heads journal in the plan's folder: not what a colleague's forged change
// times claim, and the same after the plan is closed and opened again.
// Before the journal starts, it goes by change times and says so.
func TestDateTimeFromHeadsJournal(t *testing.T) {
	dir := t.TempDir()
	lib, err := OpenLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	day := func(h, m, s int) time.Time { return time.Date(2026, 3, 2, h, m, s, 0, time.Local) }
	clock := &fakeClock{t: day(9, 0, 0)}
	// Made elsewhere at 09:00 and brought in: its history predates this
	// device's journal.
	made := newTestPlanAt(t, clock)
	saved, err := made.Save()
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Adopt(saved, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	h0 := p.Heads()
	must(t, p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}))
	edit := func(at time.Time, title string) []string {
		clock.t = at
		must(t, p.SetPlanField("title", title))
		must(t, p.Commit())
		return p.Heads()
	}
	h1 := edit(day(10, 0, 0), "Title one")
	h2 := edit(day(10, 0, 30), "Title two") // coalesced into the next entry
	h3 := edit(day(10, 2, 0), "Title three")

	// A colleague whose clock says 2020 edits; the change arrives at 10:05.
	col := replica(t, p, maurice)
	old := &fakeClock{t: time.Date(2020, 1, 1, 12, 0, 0, 0, time.Local)}
	must(t, col.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: old.now}))
	must(t, col.SetPlanField("country", "Backdated"))
	must(t, col.Commit())
	clock.t = day(10, 5, 0)
	mergeInto(t, p, col)
	h4 := p.Heads()

	cases := []struct {
		at     string
		want   []string
		source string
	}{
		{"2026-03-02 10:00", h1, SourceJournal},
		{"2026-03-02 10:01", h2, SourceJournal},
		{"2026-03-02 10:04", h3, SourceJournal}, // not the backdated change
		{"2026-03-02 10:06", h4, SourceJournal},
		{"2026-03-02", nil, SourceJournal},
		{"2026-03-02 09:30", h0, SourceChangeTimes}, // before the journal
	}
	check := func(t *testing.T, p *Plan) {
		for _, tc := range cases {
			t.Run(tc.at, func(t *testing.T) {
				v, err := p.ResolveVersion(tc.at)
				if err != nil {
					t.Fatal(err)
				}
				if v.Source != tc.source || tc.want != nil && !slices.Equal(v.Heads, tc.want) {
					t.Fatalf("%s: %s %v from %q, want %v from %q", tc.at, v, v.Heads, v.Source, tc.want, tc.source)
				}
				if tc.source == SourceChangeTimes && !strings.Contains(v.String(), "going by the changes' own times: this device's record of its versions starts 2026-03-02 10:00") {
					t.Fatalf("the fallback does not say so: %s", v)
				}
			})
		}
	}
	t.Run("open", func(t *testing.T) { check(t, p) })
	// By change times alone, 10:04 would hold the colleague's change.
	ix, _ := p.indexLocked()
	if slices.Equal(ix.headsAt(day(10, 4, 0)), h3) {
		t.Fatal("the test's backdated change is not before 10:04 by change times")
	}
	clock.t = day(10, 30, 0)
	must(t, p.Close())

	path := filepath.Join(lib.planDir(id), "heads-journal")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// 10:00; the 10:00:30 commit coalesced, written before 10:02; the
	// arrival at 10:05; the close at 10:30.
	if es, _, err := store.ParseJournal(raw); err != nil || len(es) != 5 {
		for _, e := range es {
			t.Logf("entry %s %d heads", e.At.Local().Format("15:04:05"), len(e.Heads))
		}
		t.Fatalf("%d journal entries, %v; want 5", len(es), err)
	}
	p, err = lib.Open(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("reopened", func(t *testing.T) { check(t, p) })
	must(t, p.Close())

	// A torn tail (a crash mid-append) costs the torn entry only, and the
	// next entry is readable after it.
	if err := os.WriteFile(path, append(raw, 0x40, 1, 2, 3), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = lib.Open(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	must(t, p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}))
	t.Run("torn tail", func(t *testing.T) { check(t, p) })
	h5 := edit(day(11, 0, 0), "Title five")
	if v, err := p.ResolveVersion("2026-03-02 11:30"); err != nil || !slices.Equal(v.Heads, h5) || v.Source != SourceJournal {
		t.Fatalf("after the torn tail: %v %v %v", v, v.Heads, err)
	}
}

// A live session delivers a colleague's typing every second: the journal
// takes at most one entry per ten seconds of it, and the last arrival is
// written when the plan closes.
func TestHeadsJournalCoalescesArrivals(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	p, err := lib.Create("Plan", "Freedonia", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	must(t, p.AutoCommit(CommitPolicy{Pause: DefaultPolicy.Pause, Max: DefaultPolicy.Max, Now: clock.now}))
	col := replica(t, p, maurice)
	for i := range 60 {
		must(t, col.SetPlanField("country", strings.Repeat("x", i+1)))
		must(t, col.Commit())
		chunk, err := col.SaveChangesSince(p.Heads())
		if err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Second)
		if _, err := p.ApplyChanges(chunk); err != nil {
			t.Fatal(err)
		}
	}
	last := p.Heads()
	must(t, p.Close())
	raw, err := os.ReadFile(filepath.Join(lib.planDir(id), "heads-journal"))
	if err != nil {
		t.Fatal(err)
	}
	es, _, err := store.ParseJournal(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The creation, then one per ten seconds of the minute, then the close
	// writing the last arrival (and any change the close made).
	if len(es) < 7 || len(es) > 10 {
		for _, e := range es {
			t.Logf("entry %s %d heads", e.At.Local().Format("15:04:05"), len(e.Heads))
		}
		t.Fatalf("%d entries for 60 arrivals in a minute", len(es))
	}
	p, err = lib.Open(id, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v, err := p.ResolveVersion(clock.t.Format("2006-01-02 15:04:05"))
	if err != nil {
		t.Fatal(err)
	}
	ix, _ := p.indexLocked()
	in := ix.ancestors(v.Heads)
	for _, h := range last {
		if !in[ix.byHash[h]] {
			t.Fatalf("the version held at the last arrival lacks it: %v", v.Heads)
		}
	}
}
