package doc

import (
	"testing"
	"time"
)

// The pause timer makes room for a slow disk: what commits have lately
// taken beyond saveSlack comes off the pause, down to half of it, so a
// commit is on disk by Pause+saveSlack after the last keystroke.
func TestPauseDelayMakesRoomForSlowSaves(t *testing.T) {
	for _, tc := range []struct {
		name string
		cost time.Duration
		want time.Duration
	}{
		{"no commit yet", 0, 250 * time.Millisecond},
		{"fast disk", 8 * time.Millisecond, 250 * time.Millisecond},
		{"at the slack", saveSlack, 250 * time.Millisecond},
		{"busy disk", 60 * time.Millisecond, 215 * time.Millisecond},
		{"very slow disk", time.Second, 125 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Plan{policy: &DefaultPolicy, saveCost: tc.cost}
			if got := p.pauseDelay(); got != tc.want {
				t.Errorf("cost %v: pause timer after %v, want %v", tc.cost, got, tc.want)
			}
		})
	}
}

// A commit by the pause timer on a stored plan records how long it took to
// reach the disk, and the next pause is timed with it.
func TestPauseCommitRecordsSaveCost(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Cost", "Testland", "2025", "2027", testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cid, err := p.AddCommitment(NewCommitment{Title: "Cost"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AutoCommit(CommitPolicy{Pause: 50 * time.Millisecond, Max: time.Second}); err != nil {
		t.Fatal(err)
	}
	events, stop := p.Subscribe()
	defer stop()
	if err := p.Splice(CommitmentText(cid, "description"), 0, 0, "x"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-events:
	case <-time.After(10 * time.Second):
		t.Fatal("the pause timer never committed")
	}
	p.mu.Lock()
	cost := p.saveCost
	p.mu.Unlock()
	if cost <= 0 || cost > 5*time.Second {
		t.Fatalf("save cost after a pause commit: %v", cost)
	}
}
