package doc

import (
	"fmt"
	"slices"
	"time"

	am "github.com/automerge/automerge-go"
)

// HistoryEntry is one change in the plan's history.
type HistoryEntry struct {
	Hash    string    `json:"hash"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	PeerID  string    `json:"peerId"`
	Author  string    `json:"author"`
	Org     string    `json:"org"`
	Message string    `json:"message"`
}

// History lists every change, oldest first, attributed through the members
// record.
func (p *Plan) History() ([]HistoryEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	chs, err := p.d.Changes()
	if err != nil {
		return nil, err
	}
	who := p.actorNames()
	out := make([]HistoryEntry, 0, len(chs))
	for _, c := range chs {
		e := HistoryEntry{Hash: c.Hash().String(), Time: c.Timestamp().UTC(), Actor: c.ActorID(), Message: c.Message()}
		if m, ok := who[e.Actor]; ok {
			e.PeerID, e.Author, e.Org = m.PeerID, m.Name, m.Org
		}
		out = append(out, e)
	}
	return out, nil
}

// actorNames maps each Automerge actor to the member it belongs to.
func (p *Plan) actorNames() map[string]Member {
	actors := p.mapAt("actors")
	out := map[string]Member{}
	keys, _ := actors.Keys()
	for _, a := range keys {
		peer := p.str(actors, a)
		if rec := p.memberMap(peer); rec != nil {
			out[a] = p.readMember(peer, rec)
		} else {
			out[a] = Member{PeerID: peer}
		}
	}
	return out
}

// actorName is the name of the member an actor belongs to ("" if unknown).
func (p *Plan) actorName(actor string) string {
	return p.str(p.memberMap(p.str(p.mapAt("actors"), actor)), "name")
}

// MergeReport says what a merge brought in.
type MergeReport struct {
	Changes  int            `json:"changes"`
	ByAuthor map[string]int `json:"byAuthor"`
}

// Merge brings every change from another saved copy of this plan into this
// one. Copies of other plans are refused.
func (p *Plan) Merge(data []byte) (MergeReport, error) {
	other, err := LoadPlan(data, Author{})
	if err != nil {
		return MergeReport{}, err
	}
	if other.id != p.id {
		return MergeReport{}, errOtherPlan(other.id, p.id)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return MergeReport{}, err
	}
	before := p.d.Heads()
	if _, err := p.d.Merge(other.d); err != nil {
		return MergeReport{}, err
	}
	return p.afterRemoteLocked(before, nil)
}

// afterRemoteLocked persists and reports what arrived since before: chs
// when the caller knows them (a sync message, a chunk), else found by
// scanning history, which costs time in proportion to all of it.
func (p *Plan) afterRemoteLocked(before []am.ChangeHash, chs []*am.Change) (MergeReport, error) {
	rep := MergeReport{ByAuthor: map[string]int{}}
	if slices.Equal(before, p.d.Heads()) {
		return rep, nil
	}
	if chs == nil {
		var err error
		if chs, err = p.d.Changes(before...); err != nil {
			return rep, err
		}
	}
	names := map[string]string{}
	for _, c := range chs {
		a := c.ActorID()
		name, ok := names[a]
		if !ok {
			name = p.actorName(a)
			names[a] = name
		}
		if name == "" {
			name = "unknown (" + c.ActorID()[:min(8, len(c.ActorID()))] + ")"
		}
		rep.ByAuthor[name]++
	}
	rep.Changes = len(chs)
	if err := p.persistLocked(); err != nil {
		return rep, err
	}
	p.afterMerge()
	return rep, nil
}

// SaveChangesSince encodes the changes made after heads (all changes for
// none) as one chunk that ApplyChanges on another replica accepts.
func (p *Plan) SaveChangesSince(heads []string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	hs := make([]am.ChangeHash, 0, len(heads))
	for _, h := range heads {
		ch, err := am.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("%w: head %q", ErrInvalid, h)
		}
		hs = append(hs, ch)
	}
	chs, err := p.d.Changes(hs...)
	if err != nil {
		return nil, err
	}
	return am.SaveChanges(chs), nil
}

// ApplyChanges merges a chunk from SaveChangesSince or ChangeBytes (or any
// saved document bytes) into the plan, reporting whether anything was new.
// It gives no per-author report: counting would scan the whole history.
func (p *Plan) ApplyChanges(chunk []byte) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return false, err
	}
	before := p.d.Heads()
	if err := p.d.LoadIncremental(chunk); err != nil {
		return false, fmt.Errorf("%w: %v", ErrNotAPlan, err)
	}
	if slices.Equal(before, p.d.Heads()) {
		return false, nil
	}
	if err := p.persistLocked(); err != nil {
		return true, err
	}
	p.afterMerge()
	return true, nil
}

// ChangeBytes encodes one change, named by its hash (as in Heads).
func (p *Plan) ChangeBytes(hash string) ([]byte, error) {
	h, err := am.NewChangeHash(hash)
	if err != nil {
		return nil, fmt.Errorf("%w: change %q", ErrInvalid, hash)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.d.Change(h)
	if err != nil {
		return nil, fmt.Errorf("%w: change %s", ErrNotFound, hash)
	}
	return c.Save(), nil
}

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
