package sync

import (
	"path/filepath"
	"time"
)

// Status is how a plan's sync looks from this device.
type Status struct {
	Connected  int       // members connected now
	LastSynced time.Time // last time a peer and this device were level
	Offline    bool      // no member connected
}

// Status reports on a started plan.
func (n *Node) Status(planID string) Status {
	ps := n.plan(planID)
	if ps == nil {
		return Status{Offline: true}
	}
	var st Status
	for _, pi := range ps.peerInfos() {
		if pi.Connected {
			st.Connected++
		}
		if pi.LastSynced.After(st.LastSynced) {
			st.LastSynced = pi.LastSynced
		}
	}
	st.Offline = st.Connected == 0
	return st
}

// PeerStatus is one member device as seen from here.
type PeerStatus struct {
	ID         string
	Name       string
	Connected  bool // a sync session is open now
	LastSeen   time.Time
	LastSynced time.Time
	Stats      Stats
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
