package doc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
