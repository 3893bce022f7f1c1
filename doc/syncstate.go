package doc

import (
	"fmt"

	am "github.com/automerge/automerge-go"
)

// SyncState is one side of an Automerge sync session with one peer. The
// sync layer moves its messages as opaque bytes.
type SyncState struct {
	p  *Plan
	ss *am.SyncState
}

// NewSyncState starts a session with a peer; saved is what Save returned at
// the end of the last session with that peer (nil for none), so a reconnect
// sends only what is new.
func (p *Plan) NewSyncState(saved []byte) (*SyncState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if saved == nil {
		return &SyncState{p: p, ss: am.NewSyncState(p.d)}, nil
	}
	ss, err := am.LoadSyncState(p.d, saved)
	if err != nil {
		return nil, fmt.Errorf("sync state: %w", err)
	}
	return &SyncState{p: p, ss: ss}, nil
}

// Generate returns the next message for the peer and how many changes it
// carries (so a sync can say what moved), or ok=false when there is nothing
// to send. Pending local edits are committed first, with an attestation of
// this device's changes when one is due (attest.go).
func (s *SyncState) Generate() (msg []byte, changes int, ok bool, err error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.attestLocked(false)
	if err := s.p.commitWrittenLocked(); err != nil {
		return nil, 0, false, err
	}
	m, valid := s.ss.GenerateMessage()
	if !valid {
		return nil, 0, false, nil
	}
	return m.Bytes(), len(m.Changes()), true, nil
}

// Receive applies a message from the peer and reports the changes it
// brought, which are then on disk and announced to subscribers. It also
// returns their hashes, so the sync layer can record which peer delivered
// which change.
func (s *SyncState) Receive(msg []byte) (MergeReport, []string, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	// Written, not waited for: the merge's own append below waits for both.
	if err := s.p.commitWrittenLocked(); err != nil {
		return MergeReport{}, nil, err
	}
	before := s.p.d.Heads()
	s.p.forgetNamesLocked()
	sm, err := s.ss.ReceiveMessage(msg)
	if err != nil {
		return MergeReport{}, nil, fmt.Errorf("sync message: %w", err)
	}
	chs := sm.Changes()
	hashes := make([]string, len(chs))
	for i, c := range chs {
		hashes[i] = c.Hash().String()
	}
	rep, err := s.p.afterRemoteLocked(before, chs)
	return rep, hashes, err
}

// Save serialises the session for the next reconnect.
func (s *SyncState) Save() []byte {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.ss.Save()
}
