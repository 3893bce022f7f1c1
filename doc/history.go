package doc

import (
	"fmt"
	"slices"
	"time"

	am "github.com/automerge/automerge-go"
)

// HistoryEntry is one entry of the plan's history: a run of changes by
// one author on the same items (a title typed over several commits is one
// entry), named by what the run did.
type HistoryEntry struct {
	Hash     string    `json:"hash"`    // the run's last change: the version after it
	First    string    `json:"first"`   // the run's first change
	Changes  int       `json:"changes"` // how many changes the run holds
	Start    time.Time `json:"start"`
	Time     time.Time `json:"time"` // when the run ended
	Actor    string    `json:"actor"`
	PeerID   string    `json:"peerId"`
	Author   string    `json:"author"`
	Org      string    `json:"org"`
	Side     Side      `json:"side"`
	Verified bool      `json:"verified"`
	Message  string    `json:"message"`
	Edits    []Edit    `json:"edits"`
}

// entryGap is the longest pause inside one history entry.
const entryGap = 5 * time.Minute

// History lists the plan's history, oldest first, each run of changes by
// one author on the same items as one entry.
func (p *Plan) History() ([]HistoryEntry, error) { return p.HistoryOf(HistoryFilter{}) }

// HistoryOf is History keeping what the filter admits; with a commitment
// in the filter, entries hold only the edits of that commitment.
func (p *Plan) HistoryOf(f HistoryFilter) ([]HistoryEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	at := p.attributorLocked()
	var out []HistoryEntry
	var items []Edit // what the open entry is about
	for i := range ix.recs {
		r := &ix.recs[i]
		if !f.when(r.time) {
			continue
		}
		if at.attestationOnly(r) {
			continue
		}
		a, ok := at.of(r)
		if !f.author(a, r.actor) {
			continue
		}
		edits := f.touches(r.edits)
		if f.Commitment != "" && len(edits) == 0 {
			continue
		}
		if n := len(out); n > 0 {
			e := &out[n-1]
			if e.PeerID == a.PeerID && (a.PeerID != "" || e.Actor == r.actor) && e.Verified == ok &&
				r.time.Sub(e.Time) < entryGap && r.time.Sub(e.Time) >= -entryGap && sameItems(items, edits) {
				e.Hash, e.Time, e.Changes = r.hash, maxTime(e.Time, r.time), e.Changes+1
				e.Edits = mergeEdits(e.Edits, edits)
				e.Message = describe(e.Edits, false, true)
				continue
			}
		}
		out = append(out, r.entry(a, ok, edits))
		items = edits
	}
	return out, nil
}

// ChangeLog lists every change on its own, oldest first.
func (p *Plan) ChangeLog() ([]HistoryEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	at := p.attributorLocked()
	out := make([]HistoryEntry, len(ix.recs))
	for i := range ix.recs {
		a, ok := at.of(&ix.recs[i])
		out[i] = ix.recs[i].entry(a, ok, ix.recs[i].edits)
	}
	return out, nil
}

// ChangeCount is how many changes the plan's history holds.
func (p *Plan) ChangeCount() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return 0, err
	}
	return len(ix.recs), nil
}

func (r *changeRec) entry(a Author, verified bool, edits []Edit) HistoryEntry {
	e := HistoryEntry{Hash: r.hash, First: r.hash, Changes: 1, Start: r.time, Time: r.time, Actor: r.actor,
		PeerID: a.PeerID, Author: a.Name, Org: a.Org, Side: a.Side, Verified: verified, Message: r.words,
		Edits: append([]Edit{}, edits...)}
	if len(edits) > 0 {
		e.Message = describe(edits, false, true)
	}
	return e
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sameItems reports whether every item more touches is among those of
// have, and both touch items only (words-only changes stand alone).
func sameItems(have, more []Edit) bool {
	if len(have) == 0 || len(more) == 0 {
		return false
	}
	for _, e := range more {
		if e.Words != "" || e.Item == "" {
			return false
		}
		found := false
		for _, h := range have {
			if h.Words == "" && h.sameItem(e) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Attribution says who made a change (named by its hash) and whether that
// is verified: a device of that member signed an attestation covering the
// change (attest.go). Otherwise the author is only what the actors record
// claims, which anyone can write, and the change is nobody's verified
// work. Every view of history asks this one function.
func (p *Plan) Attribution(hash string) (Author, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return Author{}, false
	}
	i, ok := ix.byHash[hash]
	if !ok {
		return Author{}, false
	}
	return p.attributorLocked().of(&ix.recs[i])
}

// attributor answers Attribution for many changes at once.
type attributor struct {
	p    *Plan
	memo map[string]actorAttrib
}

type actorAttrib struct {
	verified, claimed Author
	to                uint64 // the highest attested sequence number (0: none)
}

func (p *Plan) attributorLocked() *attributor {
	return &attributor{p: p, memo: map[string]actorAttrib{}}
}

func (a *attributor) actor(actor string) actorAttrib {
	if aa, ok := a.memo[actor]; ok {
		return aa
	}
	p := a.p
	var aa actorAttrib
	peer := p.str(p.mapAt("actors"), actor)
	m, _ := p.whoLocked(peer)
	aa.claimed = Author{PeerID: peer, Name: m.Name, Org: m.Org, Side: m.Side}
	if st, err := p.authorityLocked(); err == nil {
		if at, ok := st.Attribution(actor); ok && !at.Disputed {
			if aa.to = p.verifiedToLocked(at); aa.to > 0 {
				aa.verified = Author{PeerID: at.Device.PeerID()}
				if mm, ok := st.Member(at.Device); ok {
					aa.verified.Name, aa.verified.Org, aa.verified.Side = mm.Name, mm.Org, Side(mm.Side)
				}
			}
		}
	}
	a.memo[actor] = aa
	return aa
}

// of attributes one change; callers hold p.mu.
func (a *attributor) of(r *changeRec) (Author, bool) {
	aa := a.actor(r.actor)
	if r.seq >= 1 && r.seq <= aa.to {
		return aa.verified, true
	}
	return aa.claimed, false
}

// attestationOnly: the change is its actor's signing of the changes before
// it (attest.go) and nothing else, so history lists it with them rather
// than on its own. Only the change right after its actor's verified ones
// (or one covered since) qualifies: a forged change that says so under
// another actor is listed like any other.
func (a *attributor) attestationOnly(r *changeRec) bool {
	if len(r.edits) != 1 || r.edits[0] != (Edit{Words: attestWords}) {
		return false
	}
	aa := a.actor(r.actor)
	return aa.to > 0 && r.seq <= aa.to+1
}

// ofActor attributes whatever an actor wrote (a blame view knows the
// actor of each character, not its change): verified when the actor's
// changes are attested at all, as attestations come at most a few minutes
// after the typing they cover.
func (a *attributor) ofActor(actor string) (Author, bool) {
	aa := a.actor(actor)
	if aa.to > 0 {
		return aa.verified, true
	}
	return aa.claimed, false
}

// actorName is the name of the member an actor belongs to ("" if unknown).
func (p *Plan) actorName(actor string) string {
	m, _ := p.whoLocked(p.str(p.mapAt("actors"), actor))
	return m.Name
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
	p.forgetNamesLocked()
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
	if err := p.persistLocked(before, p.d.Heads(), am.SaveChanges(chs)); err != nil {
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
	p.forgetNamesLocked()
	if err := p.d.LoadIncremental(chunk); err != nil {
		return false, fmt.Errorf("%w: %v", ErrNotAPlan, err)
	}
	after := p.d.Heads()
	if slices.Equal(before, after) {
		return false, nil
	}
	if err := p.persistLocked(before, after, chunk); err != nil {
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
		if !p.holds(h) {
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
