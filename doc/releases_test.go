package doc

import (
	"errors"
	"testing"
	"time"
)

func relTestPlan(t *testing.T) *Plan {
	t.Helper()
	p, err := NewPlan("Release test plan", "Cymru", "2026", "2027", keyedAuthor("Ana", "", Government))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func relTestRecord(label string) ReleaseRecord {
	return ReleaseRecord{Label: label, Heads: []string{"aa"}, SignedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), SignerPeer: "peer-a",
		Manifest: []byte(`{"version":"` + label + `"}`), ManifestSig: []byte("sig"), Sums: []byte("sums"), SumsSig: []byte("sumssig")}
}

func relTestReload(t *testing.T, p *Plan) *Plan {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	q, err := LoadPlan(saved, keyedAuthor("Bea", "", CivilSociety))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestReleaseRecordsRoundTrip(t *testing.T) {
	p := relTestPlan(t)
	rec := relTestRecord("1.0")
	if err := p.AddRelease(rec); err != nil {
		t.Fatal(err)
	}
	if err := p.AddRelease(rec); err != nil {
		t.Fatalf("storing the same release twice: %v", err)
	}
	other := relTestRecord("1.0")
	other.Manifest = []byte(`{"other":true}`)
	if err := p.AddRelease(other); !errors.Is(err, ErrReleaseExists) {
		t.Fatalf("a second release under one label: %v", err)
	}
	if err := p.AddRelease(ReleaseRecord{Label: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty record: %v", err)
	}
	got := relTestReload(t, p).Releases()
	if len(got) != 1 {
		t.Fatalf("%d releases", len(got))
	}
	g := got[0]
	if g.ID == "" || g.Label != "1.0" || string(g.Manifest) != string(rec.Manifest) || string(g.SumsSig) != "sumssig" ||
		!g.SignedAt.Equal(rec.SignedAt) || g.SignerPeer != "peer-a" || len(g.Heads) != 1 {
		t.Fatalf("round trip: %+v", g)
	}
	if c := p.Content(); len(c.Commitments) != 0 || c.Title != "Release test plan" {
		t.Fatal("a release record leaked into the content")
	}
}

// Records made on two peers at once must both survive the merge: this is
// why each lives under its own root key rather than in a shared map.
func TestReleaseRecordsMergeConcurrently(t *testing.T) {
	a := relTestPlan(t)
	b := relTestReload(t, a)
	if err := a.AddRelease(relTestRecord("1.0")); err != nil {
		t.Fatal(err)
	}
	if err := b.AddRelease(relTestRecord("1.0-b")); err != nil {
		t.Fatal(err)
	}
	for i, p := range []*Plan{a, b} {
		if err := p.AddEndorsement(EndorsementRecord{Label: "1.0", Peer: "peer-a", At: time.Unix(int64(i), 0),
			Statement: []byte{byte('a' + i)}, Sig: []byte("s")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SetEndorsementsRequired(true); err != nil {
		t.Fatal(err)
	}
	fromB, _ := b.Save()
	fromA, _ := a.Save()
	if _, err := a.Merge(fromB); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Merge(fromA); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Plan{"a": a, "b": b} {
		if n := len(p.Releases()); n != 2 {
			t.Errorf("%s has %d of 2 releases", name, n)
		}
		if n := len(p.Endorsements()); n != 2 {
			t.Errorf("%s has %d of 2 endorsements", name, n)
		}
		if !p.Settings().EndorsementsRequired {
			t.Errorf("%s lost the setting", name)
		}
	}
}

func TestContentAt(t *testing.T) {
	p := relTestPlan(t)
	id, err := p.AddCommitment(NewCommitment{Title: "First wording"})
	if err != nil {
		t.Fatal(err)
	}
	heads := p.Heads()
	if n, err := p.CountChangesSince(heads); err != nil || n != 0 {
		t.Fatalf("changes since now: %d %v", n, err)
	}
	if err := p.SetText(CommitmentText(id, "title"), "Second wording"); err != nil {
		t.Fatal(err)
	}
	old, err := p.ContentAt(heads)
	if err != nil {
		t.Fatal(err)
	}
	if old.Commitments[0].Title != "First wording" || old.ID != p.ID() {
		t.Fatalf("content at old heads: %+v", old.Commitments)
	}
	if p.Content().Commitments[0].Title != "Second wording" {
		t.Fatal("the edit is missing now")
	}
	if n, _ := p.CountChangesSince(heads); n != 1 {
		t.Fatalf("%d changes since", n)
	}
	if !p.HasHeads(heads) {
		t.Fatal("HasHeads is false for our own heads")
	}
	unknown := []string{"00000000000000000000000000000000000000000000000000000000000000ff"}
	if _, err := p.ContentAt(unknown); !errors.Is(err, ErrUnknownHeads) {
		t.Fatalf("unknown heads: %v", err)
	}
	if _, err := p.ContentAt([]string{"zz"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad heads: %v", err)
	}
	if p.HasHeads(unknown) {
		t.Fatal("HasHeads accepts unknown heads")
	}
}
