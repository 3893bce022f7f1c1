package app

import (
	"strings"
	"testing"
	"time"
)

// statusSync is the fake sync layer with a given status.
type statusSync struct {
	fakeSync
	st SyncStatus
}

func (s *statusSync) Status(string) SyncStatus { return s.st }

// The status bar says who is connected by name, "Offline" only when the
// sync layer finds no member reachable, and shows a problem it reports.
func TestSyncText(t *testing.T) {
	at := fixedNow
	cases := []struct {
		name     string
		st       SyncStatus
		starting bool // sync started on the plan moments ago
		want     string
	}{
		{"names", SyncStatus{Connected: 2, Names: []string{"Bruno", "Chidi"}, LastSynced: at.Add(-2 * time.Minute)},
			false, "Connected to Bruno, Chidi · last synced 2 min ago"},
		{"many", SyncStatus{Connected: 5, Names: []string{"a", "b", "c", "d", "e"}, LastSynced: at}, false, "5 peers connected · last synced just now"},
		{"reachable, no session yet", SyncStatus{}, false, "Online, no peers nearby · never synced"},
		{"offline keeps last synced", SyncStatus{Offline: true, LastSynced: at.Add(-30 * time.Minute)}, false,
			"Offline: edits are kept on this laptop · last synced 30 min ago"},
		{"nobody reachable yet, just started", SyncStatus{Offline: true, LastSynced: at.Add(-30 * time.Minute)}, true,
			"Looking for colleagues on the network… · last synced 30 min ago"},
		{"connected, just started", SyncStatus{Connected: 1, Names: []string{"Bruno"}, LastSynced: at}, true,
			"Connected to Bruno · last synced just now"},
		{"reachable, no session yet, just started", SyncStatus{}, true, "Looking for colleagues on the network… · never synced"},
		{"problem", SyncStatus{Connected: 1, Names: []string{"Bruno"}, Err: "Bruno: refused 1 changes from this peer"}, true,
			"Sync problem: Bruno: refused 1 changes from this peer · never synced"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := syncText(&statusSync{st: tc.st}, "plan", at, tc.starting)
			if !strings.EqualFold(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
