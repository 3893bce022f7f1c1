package doc

import (
	"testing"

	"github.com/coplan/coplan/doc/authority"
)

// unverified are the changes history does not verify.
func unverified(t *testing.T, p *Plan) []HistoryEntry {
	t.Helper()
	h, err := p.History()
	if err != nil {
		t.Fatal(err)
	}
	var out []HistoryEntry
	for _, e := range h {
		if !e.Verified {
			out = append(out, e)
		}
	}
	return out
}

// Closing a plan signs what this device authored: every change but the
// attestation's own is then verified as its author's.
func TestCloseAttestsAuthoredChanges(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Plan", "Freedonia", "2025", "2027", annA)
	if err != nil {
		t.Fatal(err)
	}
	cid, err := p.AddCommitment(NewCommitment{Title: "Open contracting"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	if un := unverified(t, p); len(un) == 0 {
		t.Fatal("changes were verified before any attestation was made")
	}
	if err := p.SetCommitmentSide(cid, Government); err != nil { // the commitment's origin
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	origin := p.Heads()[0]
	id := p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p, err = lib.Open(id, Author{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Abandon()
	if un := unverified(t, p); len(un) != 0 {
		t.Fatalf("history shows unverified entries after close: %+v", un)
	}
	// The change log lists every change: only the attestation's own.
	log, err := p.ChangeLog()
	if err != nil {
		t.Fatal(err)
	}
	var un []HistoryEntry
	for _, e := range log {
		if !e.Verified {
			un = append(un, e)
		}
	}
	if len(un) != 1 || un[0].Message != attestWords {
		t.Fatalf("unverified changes after close: %+v", un)
	}
	if a, ok := p.Attribution(origin); !ok || a.Name != annA.Name || a.PeerID != annA.PeerID {
		t.Fatalf("the change to the commitment's origin: %+v verified %v, want Ann's, verified", a, ok)
	}
	h, _ := p.History()
	for _, e := range h {
		if e.Verified && (e.PeerID != annA.PeerID || e.Author != annA.Name) {
			t.Fatalf("verified change attributed to %q (%s)", e.Author, e.PeerID)
		}
	}
	// Closing again without edits makes no new attestation.
	before := len(log)
	p.Abandon()
	p, _ = lib.Open(id, annA)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p, _ = lib.Open(id, Author{})
	if h, _ := p.ChangeLog(); len(h) != before {
		t.Fatalf("an idle close added %d changes", len(h)-before)
	}
}

// A change made under another member's name (the actors map says Ann, the
// device is Bea's) shows as Ann's claim, unverified; once Bea's device
// attests its actor, the change is verified as Bea's.
func TestChangeUnderAnotherMembersNameIsUnverified(t *testing.T) {
	ann, _ := twoMembers(t)
	cid, err := ann.AddCommitment(NewCommitment{Title: "Open contracting", Side: Government, Org: "Cabinet Office"})
	if err != nil {
		t.Fatal(err)
	}
	ann.Attest()
	impostor := beaA
	impostor.PeerID = annA.PeerID // claims Ann's device in the actors map
	bea := replica(t, ann, impostor)
	if err := bea.SetCommitmentShort(cid, FieldOrg, "Open Budget Coalition"); err != nil {
		t.Fatal(err)
	}
	if err := bea.Commit(); err != nil {
		t.Fatal(err)
	}
	heads := bea.Heads()
	mergeInto(t, ann, bea)
	a, ok := ann.Attribution(heads[0])
	if ok || a.Name != annA.Name {
		t.Fatalf("impostor's change: %+v verified %v, want Ann's claim, unverified", a, ok)
	}
	// Bea's device signs for its actor: the change is Bea's, verified.
	bea.Attest()
	mergeInto(t, ann, bea)
	a, ok = ann.Attribution(heads[0])
	if !ok || a.Name != beaA.Name || a.PeerID != beaA.PeerID {
		t.Fatalf("attested change: %+v verified %v, want Bea's, verified", a, ok)
	}
	for _, e := range unverified(t, ann) {
		if e.Hash == heads[0] {
			t.Fatal("history still shows the attested change unverified")
		}
	}
}

// An attestation by a device that is not a member counts for nothing, and
// one claiming a hash the actor never made verifies nothing.
func TestForgedAttestations(t *testing.T) {
	ann, bea := twoMembers(t)
	if _, err := ann.AddCommitment(NewCommitment{Title: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	h, _ := ann.History()
	last := h[len(h)-1]
	// Carl (not a member) claims Ann's actor.
	id := forge(t, ann, carlA, authority.NewAttestation(last.Actor, 1, uint64(len(h)), last.Hash))
	st, _ := ann.Authority()
	if _, ok := st.Rejection(id); !ok {
		t.Fatal("a stranger's attestation was not rejected")
	}
	if _, ok := ann.Attribution(last.Hash); ok {
		t.Fatal("a stranger's attestation verified a change")
	}
	// Bea (a member) attests Ann's actor with a made-up hash: the document
	// does not have that change, so nothing is verified.
	_ = bea
	forge(t, ann, beaA, authority.NewAttestation(last.Actor, 1, uint64(len(h)), "00"+last.Hash[2:]))
	if a, ok := ann.Attribution(last.Hash); ok {
		t.Fatalf("an attestation with a wrong hash verified the change as %+v", a)
	}
}
