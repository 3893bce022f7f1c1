package doc

import (
	"fmt"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/store"
)

// The heads journal (doc/store) is this device's own record of which
// version it held when, so that a date-time names "the latest version
// this device held at that moment" rather than whatever the changes'
// timestamps, set by their authors' clocks, claim. An entry is written
// after a commit batch or a merge is saved: at most one a minute for this
// device's own commits, and for what arrives from peers or files at most
// one every ten seconds (a live session delivers a colleague's typing every
// few hundred milliseconds). An entry coalesced away is written, with its
// own time, before the next one, or when the plan closes; so a date-time
// resolves to within a minute of what the device held.

// The coalescing intervals of local commits and of arrivals.
const (
	journalEvery        = time.Minute
	journalArrivalEvery = 10 * time.Second
)

type headsJournal struct {
	lastAt    time.Time
	lastHeads []am.ChangeHash
	pending   *store.HeadsEntry // coalesced away, not yet written
}

func toJournalHeads(hs []am.ChangeHash) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

func fromJournalHeads(hs [][32]byte) []am.ChangeHash {
	out := make([]am.ChangeHash, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

// noteHeadsLocked records that the device holds heads now: arrival for
// changes that came from a peer or a file.
func (p *Plan) noteHeadsLocked(heads []am.ChangeHash, arrival bool) {
	if p.store == nil || p.readOnly || p.roErr != nil || len(heads) == 0 {
		return
	}
	j := &p.journal
	if sameHashes(heads, j.lastHeads) {
		return
	}
	now := p.now()
	every := journalEvery
	if arrival {
		every = journalArrivalEvery
	}
	if d := now.Sub(j.lastAt); d >= 0 && d < every && !j.lastAt.IsZero() { // a clock set back writes at once
		j.pending = &store.HeadsEntry{At: now, Heads: toJournalHeads(heads)}
		return
	}
	if j.pending != nil && sameHashes(heads, fromJournalHeads(j.pending.Heads)) {
		j.pending = nil // superseded by the same heads written now
	}
	p.flushJournalLocked()
	if err := p.store.AppendHeads(now, toJournalHeads(heads)); err != nil {
		p.log.Debug("heads journal not written", "plan", p.id, "err", err)
		return
	}
	j.lastAt, j.lastHeads = now, heads
}

// flushJournalLocked writes the entry coalesced away, if any.
func (p *Plan) flushJournalLocked() {
	j := &p.journal
	if j.pending == nil || p.store == nil {
		return
	}
	e := *j.pending
	j.pending = nil
	if err := p.store.AppendHeads(e.At, e.Heads); err != nil {
		p.log.Debug("heads journal not written", "plan", p.id, "err", err)
	}
}

// journalEntriesLocked is the journal with the entry not yet written.
func (p *Plan) journalEntriesLocked() []store.HeadsEntry {
	if p.store == nil {
		return nil
	}
	es, err := p.store.HeadsJournal()
	if err != nil {
		p.log.Debug("heads journal not read", "plan", p.id, "err", err)
	}
	if p.journal.pending != nil {
		es = append(es, *p.journal.pending)
	}
	return es
}

// heldAtLocked resolves a moment from the journal: the heads of the latest
// entry at or before t whose changes the document has, and whether the
// journal covers t at all (false: t is before it starts, or there is none;
// start is then when it starts, zero for none).
func (p *Plan) heldAtLocked(ix *changeIndex, t time.Time) (heads []string, covered bool, start time.Time) {
	es := p.journalEntriesLocked()
	var best *store.HeadsEntry
	for i := range es {
		e := &es[i]
		if start.IsZero() || e.At.Before(start) {
			start = e.At
		}
		if e.At.After(t) || best != nil && e.At.Before(best.At) {
			continue
		}
		ok := true
		for _, h := range e.Heads {
			if _, known := ix.byHash[am.ChangeHash(h).String()]; !known {
				ok = false
			}
		}
		if ok {
			best = e
		}
	}
	if best == nil {
		return nil, false, start
	}
	for _, h := range best.Heads {
		heads = append(heads, am.ChangeHash(h).String())
	}
	return heads, true, start
}

// fallbackNote says why a moment went by change times.
func fallbackNote(start time.Time) string {
	if start.IsZero() {
		return "going by the changes' own times: this device kept no record of its versions then"
	}
	return fmt.Sprintf("going by the changes' own times: this device's record of its versions starts %s", start.Local().Format("2006-01-02 15:04"))
}
