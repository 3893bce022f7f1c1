package sync

import (
	"path/filepath"
	"time"
)

// Status is how a plan's sync looks from this device.
type Status struct {
	Connected  int       // members syncing with this device now
	Names      []string  // their names
	LastSynced time.Time // last time a member and this device were level, kept across restarts
	Offline    bool      // no member reachable
	// Problem is why a member cannot be brought level, when one cannot
	// (its changes refused here, its sessions failing); "" otherwise.
	Problem string
}

// Status reports on a started plan.
func (n *Node) Status(planID string) Status {
	ps := n.plan(planID)
	if ps == nil {
		return Status{Offline: true}
	}
	var st Status
	reachable := false
	var problemAt time.Time
	for _, pi := range ps.peerInfos() {
		if pi.Connected {
			st.Connected++
			st.Names = append(st.Names, pi.Name)
		}
		reachable = reachable || pi.Reachable
		if pi.LastSynced.After(st.LastSynced) {
			st.LastSynced = pi.LastSynced
		}
		if pi.Problem != "" && pi.problemAt.After(problemAt) {
			name := pi.Name
			if name == "" {
				name = pi.ID[max(0, len(pi.ID)-8):]
			}
			st.Problem, problemAt = name+": "+pi.Problem, pi.problemAt
		}
	}
	st.Offline = !reachable
	return st
}

// PeerStatus is one member device as seen from here.
type PeerStatus struct {
	ID         string
	Name       string
	Connected  bool // a sync session is open now
	Reachable  bool // connected, with or without a session yet
	LastSeen   time.Time
	LastSynced time.Time // kept across restarts
	// Problem is why it cannot be brought level, while that lasts: set
	// when a session fails or changes are refused, cleared when level.
	Problem   string
	problemAt time.Time
	Stats     Stats
}

// Stats counts what moved between this device and a peer.
type Stats struct {
	ChangesSent, ChangesReceived int
	BytesSent, BytesReceived     int64
	LargestFrame                 int64 // the largest frame either way, framing included
}

// Peers lists the member devices of a started plan other than this one.
func (n *Node) Peers(planID string) []PeerStatus {
	ps := n.plan(planID)
	if ps == nil {
		return nil
	}
	return ps.peerInfos()
}

// DeliveredBy reads the local record of which authenticated peer delivered
// each change of a plan (change hash -> peer ID).
func (n *Node) DeliveredBy(planID string) (map[string]string, error) {
	return ReadProvenance(filepath.Join(n.cfg.StateDir, planID))
}
