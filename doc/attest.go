package doc

import (
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/authority"
)

// Attribution you can check. Automerge does not sign changes, so this
// device signs what it authored: an attestation statement naming this
// process's actor, the range of its sequence numbers and the hash of the
// last change of the range (each actor's changes form a hash chain, so that
// one hash vouches for every earlier change of the actor). An attestation
// is made at most once per AttestEvery while syncing, and when the plan is
// closed, and only when this actor made content changes since the last
// one, so its cost stays a small fraction of the changes it covers.

// attestWords is the message of a change that only attests.
const attestWords = "Sign authored changes"

// AttestEvery is how often a sync may carry a new attestation of this
// device's changes (Close always attests what is left). Two minutes keeps
// attestations under 10% of a typed plan's saved size
// (BenchmarkAttestationCost); a change waits at most that long to show as
// verified on other peers.
var AttestEvery = 2 * time.Minute

// attestState is this process's own actor's attestation bookkeeping.
type attestState struct {
	contentSeq uint64    // the last own change that was more than an attestation
	attested   uint64    // the last own sequence number attested
	at         time.Time // when the last attestation was made
	attesting  bool      // the commit in progress holds only an attestation
	last       *am.ChangeHash
}

// noteCommitLocked records an own commit, h (c, read back; nil if not):
// the document's commits are made by its own actor, p.actor.
func (p *Plan) noteCommitLocked(h am.ChangeHash, c *am.Change) {
	if c == nil {
		return
	}
	p.attest.last = &h
	if !p.attest.attesting {
		p.attest.contentSeq = c.ActorSeq()
	}
}

// attestLocked signs this device's unattested changes, if it made any and
// may (a member's device, with its key, in a writable plan). It commits
// pending edits first, and the attestation as a change of its own.
func (p *Plan) attestLocked(force bool) {
	a := &p.attest
	if p.author.Key == nil || p.readOnly || p.auth.legacy {
		return
	}
	if err := p.commitLocked(); err != nil {
		return
	}
	if a.contentSeq <= a.attested || (!force && time.Since(a.at) < AttestEvery) {
		return
	}
	st, err := p.authorityLocked()
	if err != nil || !st.IsMember(p.Device()) {
		return
	}
	if a.last == nil {
		return
	}
	last, err := p.d.Change(*a.last)
	if err != nil {
		return
	}
	from := a.attested + 1
	if at, ok := st.Attribution(p.actor); ok && at.MaxSeq() >= from {
		from = at.MaxSeq() + 1
	}
	to := last.ActorSeq()
	if from > to {
		return
	}
	if _, err := p.makeLocked(authority.NewAttestation(p.actor, from, to, last.Hash().String()), attestWords); err != nil {
		p.log.Debug("attestation not made", "plan", p.id, "err", err)
		return
	}
	a.attesting = true
	err = p.commitLocked()
	a.attesting = false
	if err == nil {
		a.attested, a.at = to, time.Now()
	}
}

// Attest signs this device's changes not yet attested, now.
func (p *Plan) Attest() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attestLocked(true)
}

// attributionLocked attributes the change seq of actor: verified when an
// attestation by a device of a member covers it and its hash is the
// document's; otherwise what the actors map claims (anyone can write it),
// unverified. afterRemoval: the device was removed concurrently with it.
func (p *Plan) attributionLocked(actor string, seq uint64) (a Author, verified, afterRemoval bool) {
	st, err := p.authorityLocked()
	if err == nil {
		if at, ok := st.Attribution(actor); ok && !at.Disputed && seq >= 1 && seq <= p.verifiedToLocked(at) {
			a = Author{PeerID: at.Device.PeerID()}
			if m, ok := st.Member(at.Device); ok {
				a.Name, a.Org, a.Side = m.Name, m.Org, Side(m.Side)
			}
			for _, r := range at.Ranges {
				if r.To >= seq {
					afterRemoval = r.AfterRemoval
					break
				}
			}
			return a, true, afterRemoval
		}
	}
	peer := p.str(p.mapAt("actors"), actor)
	m, _ := p.whoLocked(peer)
	return Author{PeerID: peer, Name: m.Name, Org: m.Org, Side: m.Side}, false, false
}

// AfterRemoval reports whether a change (by hash) is verified as made by a
// device concurrently with that device's removal: it stands, flagged.
func (p *Plan) AfterRemoval(hash string) bool {
	h, err := am.NewChangeHash(hash)
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.d.Change(h)
	if err != nil {
		return false
	}
	_, _, flagged := p.attributionLocked(c.ActorID(), c.ActorSeq())
	return flagged
}

// verifiedToLocked is the highest sequence number of at's actor whose
// attested hash is the document's change at that number: the document
// checks what the statement vouches for.
func (p *Plan) verifiedToLocked(at authority.Attribution) uint64 {
	a := &p.auth
	if v, ok := a.verified[at.Actor]; ok {
		return v
	}
	if a.verified == nil {
		a.verified = map[string]uint64{}
	}
	var best uint64
	for i := len(at.Ranges) - 1; i >= 0; i-- {
		r := at.Ranges[i]
		h, err := am.NewChangeHash(r.Last)
		if err != nil {
			continue
		}
		if c, err := p.d.Change(h); err == nil && c.ActorID() == at.Actor && c.ActorSeq() == r.To {
			best = r.To
			break
		}
	}
	a.verified[at.Actor] = best
	return best
}
