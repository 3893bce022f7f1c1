package doc

import (
	"fmt"
	"regexp"

	am "github.com/automerge/automerge-go"
)

// What the sync layer (and its tests and benchmarks) needs beyond the
// SyncState basics. Everything crosses the package boundary as bytes and
// hex change hashes, so no Automerge type leaves doc.

var planIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidPlanID reports whether id has the shape NewPlan gives plan IDs. A plan
// received from the network names its own folder, so its ID must be checked
// before it touches the disk.
func ValidPlanID(id string) bool { return planIDPattern.MatchString(id) }

// Generate is GenerateMessage that also counts the changes the message
// carries, so a sync can say what moved.
func (s *SyncState) Generate() (msg []byte, changes int, ok bool, err error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if err := s.p.commitLocked(); err != nil {
		return nil, 0, false, err
	}
	m, valid := s.ss.GenerateMessage()
	if !valid {
		return nil, 0, false, nil
	}
	return m.Bytes(), len(m.Changes()), true, nil
}

// Receive is ReceiveMessage that also returns the hashes of the changes the
// message carried, so the sync layer can record which peer delivered which
// change.
func (s *SyncState) Receive(msg []byte) (MergeReport, []string, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if err := s.p.commitLocked(); err != nil {
		return MergeReport{}, nil, err
	}
	before := s.p.d.Heads()
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

// Adopt stores a plan received whole from a peer (the bytes of Plan.Save).
// When the library already holds the plan, the copy is merged into it.
func (l *Library) Adopt(saved []byte, author Author) (*Plan, error) {
	in, err := LoadPlan(saved, author)
	if err != nil {
		return nil, err
	}
	if !ValidPlanID(in.id) {
		return nil, fmt.Errorf("%w: malformed plan ID %q", ErrNotAPlan, in.id)
	}
	if l.Exists(in.id) {
		p, err := l.Open(in.id, author)
		if err != nil {
			return nil, err
		}
		if _, err := p.Merge(saved); err != nil {
			p.Close()
			return nil, err
		}
		return p, nil
	}
	if err := l.attach(in, saved); err != nil {
		return nil, err
	}
	return in, nil
}

// NewReplica returns an empty document that only a sync can fill. It has
// no plan ID and is meant for measuring and testing sync in memory.
func NewReplica(author Author) *Plan { return newPlan(am.New(), author) }

// HasChanges reports whether the plan holds every change named (hex
// hashes as in Heads).
func (p *Plan) HasChanges(hashes []string) bool {
	hs := make([]am.ChangeHash, len(hashes))
	for i, h := range hashes {
		ch, err := am.NewChangeHash(h)
		if err != nil {
			return false
		}
		hs[i] = ch
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hs {
		if _, err := p.d.Change(h); err != nil {
			return false
		}
	}
	return true
}

// TotalChangeBytes is the encoded size of every change in the plan: what a
// sync must move at least, once per receiving peer.
func (p *Plan) TotalChangeBytes() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return 0, err
	}
	chs, err := p.d.Changes()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range chs {
		n += len(c.Save())
	}
	return n, nil
}
