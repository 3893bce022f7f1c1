package authority

import (
	"bytes"
	"errors"
	"testing"
)

// TestForgedAndForeignStatements: bytes that do not verify, or belong to
// another plan, count for nothing, and what builds on them neither.
func TestForgedAndForeignStatements(t *testing.T) {
	f := newFx(t)
	// Cat forges Ann's grant of the minister role: Ann's key signed other bytes.
	grant, err := Sign(f.cat.priv, f.planID, f.links(f.ann, KindGrantRole), f.tick(), NewGrantRole(f.cat.d, RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Clone(grant)
	copy(forged[2+1+16:], f.ann.d[:]) // claim Ann signed it
	f.stmts = append(f.stmts, forged)
	f.mustReject(StatementID(forged), ErrBadSignature)

	// A whole other plan, founded by Cat, with Cat as its administrator.
	other := newWorld(t, f.cat, Government)
	other.make(f.cat, NewGrantRole(f.cat.d, RoleCoChair))
	f.stmts = append(f.stmts, other.stmts...)
	f.mustReject(StatementID(other.stmts[0]), ErrOtherPlan)
	f.mustReject(StatementID(other.stmts[1]), ErrOtherPlan)

	// A statement of this plan built on the forged one: its parent is bad.
	child := f.forceOn(f.cat, Links{Parents: []ID{StatementID(forged)}}, NewNamedDraft("x", heads("x")))
	f.mustReject(child, ErrBadParent)

	// Garbage bytes are rejected as malformed, not fatal.
	f.stmts = append(f.stmts, []byte("not a statement"))
	f.mustReject(StatementID([]byte("not a statement")), ErrMalformed)

	s := f.state()
	if m, _ := s.Member(f.cat.d); m.Has(RoleAdmin) || m.Has(RoleCoChair) {
		t.Fatalf("forged or foreign grants took effect: %v", m.Roles)
	}
	if _, err := Evaluate(PlanIDOf(StatementID([]byte("x"))), f.stmts); !errors.Is(err, ErrNoGenesis) {
		t.Fatalf("evaluating for a plan without its genesis: %v", err)
	}
	if _, err := Evaluate("not a plan", f.stmts); !errors.Is(err, ErrBadPlanID) {
		t.Fatalf("bad plan ID: %v", err)
	}
}

// TestProofBundles: a release's bundle verifies from the plan ID alone; a
// forger's does not.
func TestProofBundles(t *testing.T) {
	f := newFx(t)
	f.make(f.bob, f.registerKey(f.bob, f.bob.d, f.bobKey))
	end := f.make(f.bob, NewEndorsement("1.0", heads("1.0"), heads("e")[0], f.bobFP))
	for range 20 { // attestations and drafts stay out of the bundle
		f.make(f.dan, NewAttestation("da", uint64(len(f.stmts)), uint64(len(f.stmts)), heads("c")[0]))
	}
	rel := f.make(f.min, f.release("1.0", f.minFP))
	f.make(f.dan, NewNamedDraft("Consultation", heads("d"))) // not in the release's past
	f.make(f.dan, NewAttestation("da", 1000, 1001, heads("c2")[0]))
	s := f.state()
	b, err := s.Bundle(rel)
	if err != nil {
		t.Fatal(err)
	}
	_, stmts, err := ParseBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range stmts {
		if st, _ := Parse(raw); st.Kind == KindAttestation || st.Kind == KindNamedDraft {
			t.Fatalf("bundle holds a %s", st.Kind)
		}
	}
	t.Logf("bundle: %d statements, %d bytes (plan: %d statements)", len(stmts), len(b), len(f.stmts))
	p, err := VerifyBundle(f.planID, b)
	if err != nil {
		t.Fatal(err)
	}
	minKey, _, _ := ParseSigningKey(f.minKey)
	if p.Release.ID != rel || p.Release.Key != minKey || len(p.Endorsements) != 1 || p.Endorsements[0].ID != end {
		t.Fatalf("proof %+v", p)
	}

	pack := func(release ID, list [][]byte) []byte {
		var e enc
		e.fixed([]byte(bundleMagic))
		e.id(release)
		list = append([][]byte(nil), list...)
		sortRaw(list)
		e.uvarint(uint64(len(list)))
		for _, r := range list {
			e.bytes(r)
		}
		return e.b
	}
	cases := []struct {
		name   string
		bundle func() []byte
		want   error
	}{
		{"checked against another plan ID", func() []byte { return b }, ErrNoGenesis},
		{"the minister's grant left out", func() []byte {
			var keep [][]byte
			for _, r := range stmts {
				if st, _ := Parse(r); st.Kind != KindGrantRole {
					keep = append(keep, r)
				}
			}
			return pack(rel, keep)
		}, ErrUnknownRef},
		{"a release by a member who is not the minister", func() []byte {
			forged, err := Sign(f.bob.priv, f.planID, Links{Parents: []ID{rel}}, f.tick(), f.release("1.0", f.bobFP))
			if err != nil {
				t.Fatal(err)
			}
			return pack(StatementID(forged), append(stmts, forged))
		}, ErrNotAuthorized},
		{"a forger's own plan and genesis", func() []byte {
			g := newWorld(t, f.bob, Government)
			g.make(f.bob, NewAddMember(f.min.d, "Min", "Ministry", Government))
			g.make(f.bob, NewGrantRole(f.min.d, RoleMinister))
			g.make(f.min, g.registerKey(f.min, f.min.d, f.bobKey))
			r := g.make(f.min, f.release("1.0", f.bobFP))
			fb, err := g.state().Bundle(r)
			if err != nil {
				t.Fatal(err)
			}
			return fb
		}, ErrNoGenesis},
		{"not a bundle", func() []byte { return []byte("hello") }, ErrBadBundle},
		{"truncated", func() []byte { return b[:len(b)-3] }, ErrBadBundle},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := f.planID
			if i == 0 {
				plan = PlanIDOf(StatementID([]byte("elsewhere")))
			}
			if _, err := VerifyBundle(plan, tc.bundle()); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyBundle = %v, want %v", err, tc.want)
			}
		})
	}
}

func sortRaw(list [][]byte) {
	ids := map[string]ID{}
	for _, r := range list {
		ids[string(r)] = StatementID(r)
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0; j-- {
			a, b := ids[string(list[j-1])], ids[string(list[j])]
			if bytes.Compare(a[:], b[:]) <= 0 {
				break
			}
			list[j-1], list[j] = list[j], list[j-1]
		}
	}
}
