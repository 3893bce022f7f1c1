package doc

import (
	"time"
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
	return p.afterRemoteLocked(before)
}

// afterRemoteLocked persists and reports changes that arrived since before.
func (p *Plan) afterRemoteLocked(before []chashes) (MergeReport, error) {
	rep := MergeReport{ByAuthor: map[string]int{}}
	chs, err := p.d.Changes(before...)
	if err != nil {
		return rep, err
	}
	if len(chs) == 0 {
		return rep, nil
	}
	who := p.actorNames()
	for _, c := range chs {
		name := who[c.ActorID()].Name
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
