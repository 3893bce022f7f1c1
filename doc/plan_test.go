package doc

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOrderBetween(t *testing.T) {
	cases := []struct{ a, b string }{
		{"", ""}, {"", "V"}, {"V", ""}, {"V", "W"}, {"V", "V1"}, {"0V", "1"}, {"z", ""}, {"zz", ""}, {"", "01"},
	}
	for _, c := range cases {
		got := orderBetween(c.a, c.b)
		if got <= c.a || (c.b != "" && got >= c.b) {
			t.Errorf("orderBetween(%q, %q) = %q, not strictly between", c.a, c.b, got)
		}
	}
	// Repeated inserts at the front and between neighbours stay ordered.
	keys := []string{orderBetween("", "")}
	for i := 0; i < 200; i++ {
		keys = append([]string{orderBetween("", keys[0])}, keys...)
		keys = append(keys[:1], append([]string{orderBetween(keys[0], keys[1])}, keys[1:]...)...)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Fatalf("keys out of order at %d: %q >= %q", i, keys[i-1], keys[i])
		}
	}
}

func TestParsers(t *testing.T) {
	dates := []struct{ in, want, wantEnd string }{
		{"2025-03-04", "2025-03-04", "2025-03-04"}, {"2025", "2025-01-01", "2025-12-31"}, {"2024-02", "2024-02-01", "2024-02-29"}, {"", "", ""},
	}
	for _, d := range dates {
		got, err := ParseDate(d.in)
		gotEnd, err2 := ParseEndDate(d.in)
		if err != nil || err2 != nil || got != d.want || gotEnd != d.wantEnd {
			t.Errorf("ParseDate(%q) = %q, %q (%v %v)", d.in, got, gotEnd, err, err2)
		}
	}
	for _, bad := range []string{"2025-02-30", "tomorrow", "31/12/2025", "2025-13"} {
		if _, err := ParseDate(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	if s, err := ParseSide("Civil Society"); err != nil || s != CivilSociety {
		t.Errorf("ParseSide: %v %v", s, err)
	}
	if _, err := ParseSide("press"); err == nil {
		t.Error("ParseSide accepted press")
	}
}

// Splice positions are code points, and text fields keep concurrent words.
func TestSpliceUnicodeAndConcurrentTyping(t *testing.T) {
	p := newTestPlan(t)
	id, _ := p.AddCommitment(NewCommitment{Title: "Ymrwymiad"})
	ref := CommitmentText(id, "description")
	if err := p.Splice(ref, 0, 0, "Ελληνικά ŵ"); err != nil {
		t.Fatal(err)
	}
	if err := p.Splice(ref, 9, 1, "ŷ"); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Text(ref); got != "Ελληνικά ŷ" {
		t.Fatalf("got %q", got)
	}
	if err := p.Splice(ref, 99, 0, "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("splice past the end: %v", err)
	}
	b := replica(t, p, Author{PeerID: "peerB", Name: "Bryn"})
	p.Splice(ref, 0, 0, "Ann: ")
	b.Splice(ref, 10, 0, " Bryn")
	saved, _ := b.Save()
	rep, err := p.Merge(saved)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changes != 1 {
		t.Fatalf("report %+v", rep)
	}
	if got, _ := p.Text(ref); got != "Ann: Ελληνικά ŷ Bryn" {
		t.Fatalf("merged %q", got)
	}
}

// Each change message says what it did, in words.
func TestChangeMessages(t *testing.T) {
	p := newTestPlan(t)
	id, _ := p.AddCommitment(NewCommitment{Title: "First"})
	p.Commit()
	id2, _ := p.AddCommitment(NewCommitment{Title: "Second"})
	p.Commit()
	p.SetText(CommitmentText(id2, "description"), "words")
	p.Commit()
	mid, _ := p.AddMilestone(id, "M")
	p.Commit()
	p.SetMilestoneField(id, mid, "end", "2026-01-01")
	p.Commit()
	p.MoveCommitment(id2, 0)
	p.Commit()
	p.SetCommitmentState(id, Agreed)
	p.Commit()
	h, err := p.ChangeLog()
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range h {
		msgs = append(msgs, e.Message)
		if e.Author != "Ann Jones" {
			t.Errorf("change %q attributed to %q", e.Message, e.Author)
		}
	}
	want := []string{"Create plan Open Government NAP 2025–2027", "Add commitment 1 “First”", "Add commitment 2 “Second”",
		"Edit the description of commitment 2 “Second”", "Add milestone “M” to commitment 1",
		"Edit the end date of milestone “M” of commitment 1", "Move commitment 2 “Second” to position 1",
		"Move commitment 2 “First” to agreed"}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

// Subscribers hear about local commits and merges.
func TestSubscribe(t *testing.T) {
	p := newTestPlan(t)
	ch, cancel := p.Subscribe()
	defer cancel()
	p.AddCommitment(NewCommitment{Title: "A"})
	p.Commit()
	select {
	case e := <-ch:
		if !e.Local {
			t.Fatal("local commit reported as remote")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event for a local commit")
	}
	b := replica(t, p, Author{PeerID: "peerB", Name: "B"})
	b.AddCommitment(NewCommitment{Title: "B"})
	saved, _ := b.Save()
	p.Merge(saved)
	select {
	case e := <-ch:
		if e.Local || !e.Remote {
			t.Fatalf("merge reported as %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event for a merge")
	}
}

// A reader that falls behind gets one event that says both what was
// committed here and what arrived: the sync layer pushes on Local, and
// losing it under a merge stalled a live sync.
func TestSubscribeCoalescesKinds(t *testing.T) {
	p := newTestPlan(t)
	ch, cancel := p.Subscribe()
	defer cancel()
	p.AddCommitment(NewCommitment{Title: "A"})
	p.Commit() // Local, not read yet
	b := replica(t, p, Author{PeerID: "peerB", Name: "B"})
	b.AddCommitment(NewCommitment{Title: "B"})
	saved, _ := b.Save()
	if _, err := p.Merge(saved); err != nil { // Remote, coalesced
		t.Fatal(err)
	}
	e := <-ch
	if !e.Local || !e.Remote {
		t.Fatalf("coalesced event %+v lost a kind", e)
	}
	select {
	case e := <-ch:
		t.Fatalf("second event %+v: events should coalesce", e)
	default:
	}
}

// One subscriber's unread event must not leak into another's: a reader
// that saw the merge gets only the later local commit. Map order decides
// which subscriber publish reaches first, so the round is repeated.
func TestSubscribersCoalesceApart(t *testing.T) {
	p := newTestPlan(t)
	b := replica(t, p, Author{PeerID: "peerB", Name: "B"})
	for i := range 64 {
		slow, cancelSlow := p.Subscribe()
		fast, cancelFast := p.Subscribe()
		if err := b.SetPlanField("country", fmt.Sprintf("Country %d", i)); err != nil {
			t.Fatal(err)
		}
		saved, err := b.Save()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Merge(saved); err != nil { // Remote for both
			t.Fatal(err)
		}
		if e := <-fast; !e.Remote || e.Local {
			t.Fatalf("round %d: merge reported as %+v", i, e)
		}
		if _, err := p.AddCommitment(NewCommitment{Title: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(); err != nil { // Local for both; slow still holds Remote
			t.Fatal(err)
		}
		if e := <-fast; !e.Local || e.Remote {
			t.Fatalf("round %d: the fast reader got %+v after a local commit: the slow reader's merge leaked into it", i, e)
		}
		if e := <-slow; !e.Local || !e.Remote {
			t.Fatalf("round %d: the slow reader got %+v, want both kinds coalesced", i, e)
		}
		cancelSlow()
		cancelFast()
	}
}

// The commit policy on the real clock: a pause commits by itself.
func TestAutoCommitOnPause(t *testing.T) {
	p := newTestPlan(t)
	p.AutoCommit(CommitPolicy{Pause: 20 * time.Millisecond, Max: time.Second})
	ch, cancel := p.Subscribe()
	defer cancel()
	id, _ := p.AddCommitment(NewCommitment{Title: "A"})
	p.Splice(CommitmentText(id, "description"), 0, 0, "typed")
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("pending edits were never committed after a pause")
	}
	h, _ := p.ChangeLog()
	if len(h) != 2 || h[1].Message != "Add commitment 1 “A” and edit its description" || h[1].Edits[1].Inserted != len("typed") {
		t.Fatalf("history %+v", h)
	}
}

// Two processes on one data folder (two Library instances here): each picks
// up what the other wrote, and a fresh open holds both.
func TestTwoProcessesOneFolder(t *testing.T) {
	dir := t.TempDir()
	lib1, _ := OpenLibrary(dir)
	lib2, _ := OpenLibrary(dir)
	p1, err := lib1.Create("Shared", "X", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := lib2.Open(p1.ID(), Author{PeerID: "peerB", Name: "Bryn"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		if _, err := p1.AddCommitment(NewCommitment{Title: "from one"}); err != nil {
			t.Fatal(err)
		}
		if err := p1.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := p2.AddCommitment(NewCommitment{Title: "from two"}); err != nil {
			t.Fatal(err)
		}
		if err := p2.Commit(); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 { // force compactions by either side along the way
			for _, p := range []*Plan{p1, p2} {
				compactNow(p)
			}
		}
	}
	if err := p1.Refresh(); err != nil {
		t.Fatal(err)
	}
	if err := p2.Refresh(); err != nil {
		t.Fatal(err)
	}
	if n1, n2 := len(p1.Summaries()), len(p2.Summaries()); n1 != 60 || n2 != 60 {
		t.Fatalf("after refresh: %d and %d commitments, want 60", n1, n2)
	}
	p1.Close()
	p2.Close()
	p3, err := lib1.Open(p1.ID(), testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer p3.Abandon()
	if n := len(p3.Summaries()); n != 60 {
		t.Fatalf("reopened with %d commitments, want 60", n)
	}
}

// A damaged snapshot is set aside and the plan rebuilt from the log where it
// can be; the error names the file when it cannot.
func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	lib, _ := OpenLibrary(dir)
	p, _ := lib.Create("Damaged", "X", "2025", "2027", testAuthor)
	id := p.ID()
	p.AddCommitment(NewCommitment{Title: "kept in the log"})
	p.Close()
	snap := filepath.Join(dir, "plans", id, "snapshot")
	os.WriteFile(snap, []byte("garbage"), 0o600)
	_, rep, err := lib.OpenWithReport(id, testAuthor)
	// The log alone lacks the plan's creation, so it cannot be rebuilt; the
	// damaged snapshot is kept aside either way and the error says where.
	matches, _ := filepath.Glob(snap + ".damaged-*")
	if len(matches) != 1 {
		t.Fatalf("damaged snapshot not kept aside: %v", matches)
	}
	if raw, _ := os.ReadFile(matches[0]); string(raw) != "garbage" {
		t.Fatalf("kept copy altered: %q", raw)
	}
	if err == nil && rep == nil {
		t.Fatal("damage went unreported")
	}
	if err != nil && !strings.Contains(err.Error(), filepath.Join(dir, "plans", id)) {
		t.Fatalf("error does not name the plan folder: %v", err)
	}
}

func TestRemoveAndRefusals(t *testing.T) {
	p := newTestPlan(t)
	if _, err := p.AddCommitment(NewCommitment{Title: "  "}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("blank title: %v", err)
	}
	if err := p.SetCommitmentShort("nope", FieldLead, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing commitment: %v", err)
	}
	id, _ := p.AddCommitment(NewCommitment{Title: "A"})
	if err := p.SetCommitmentShort(id, ShortField(99), "x"); !errors.Is(err, ErrUnknownField) {
		t.Fatalf("unknown field: %v", err)
	}
	if _, err := p.ResolveCommitment("1"); err != nil {
		t.Fatal(err)
	}
	if got, err := p.ResolveCommitment(id[:7]); err != nil || got != id {
		t.Fatalf("prefix: %v %v", got, err)
	}
	// A short number out of range is not found, never an ID prefix.
	for _, ref := range []string{"9", "#9", "90", "903", "#9030"} {
		if _, err := resolveIn([]string{"903012ab34cd"}, ref, "commitment"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%q: %v", ref, err)
		}
	}
	// A longer all-digit prefix that is no commitment's number is still a prefix.
	if got, err := resolveIn([]string{"903012ab34cd"}, "9030", "commitment"); err != nil || got != "903012ab34cd" {
		t.Fatalf("digit prefix: %v %v", got, err)
	}
	if err := p.RemoveCommitment(id); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Commitment(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed commitment still there: %v", err)
	}
	other, _ := NewPlan("Other", "Y", "2025", "2027", testAuthor)
	saved, _ := other.Save()
	if _, err := p.Merge(saved); err == nil || !strings.Contains(err.Error(), "that copy is of plan") {
		t.Fatalf("merging another plan: %v", err)
	}
}

func TestFileFormat(t *testing.T) {
	p := newTestPlan(t)
	path := filepath.Join(t.TempDir(), "p.coplan")
	if err := p.ExportFile(path); err != nil {
		t.Fatal(err)
	}
	q, err := ReadFile(path, testAuthor)
	if err != nil || q.ID() != p.ID() {
		t.Fatalf("round trip: %v", err)
	}
	raw, _ := os.ReadFile(path)
	raw[len(fileMagic)] = 9
	os.WriteFile(path, raw, 0o600)
	if _, err := ReadFile(path, testAuthor); !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), path) {
		t.Fatalf("newer format: %v", err)
	}
}

// Plans log to the logger handed to their library, whether created there
// or opened from it; a nil logger discards.
func TestLibraryLogger(t *testing.T) {
	compact := compactNow
	dir := t.TempDir()
	lib, err := OpenLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	lib.SetLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	p, err := lib.Create("Logged", "", "", "", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	compact(p)
	if !strings.Contains(buf.String(), "compacted") || !strings.Contains(buf.String(), "plan="+p.ID()) {
		t.Fatalf("a created plan's compaction was not logged: %q", buf.String())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	q, err := lib.Open(p.ID(), testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Abandon()
	compact(q)
	if !strings.Contains(buf.String(), "plan="+p.ID()) {
		t.Fatalf("an opened plan's compaction was not logged: %q", buf.String())
	}

	lib.SetLogger(nil)
	buf.Reset()
	r, err := lib.Create("Quiet", "", "", "", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Abandon()
	compact(r)
	if buf.Len() != 0 {
		t.Fatalf("a plan after SetLogger(nil) logged: %q", buf.String())
	}
}
