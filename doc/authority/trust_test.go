package authority

import (
	"bytes"
	"errors"
	"testing"
)

// Trust spares signature checks for the bytes this device checked before,
// and only for those: the ID names exactly the bytes.
func TestEvaluatorTrust(t *testing.T) {
	ann := newDev("ann")
	planID, genesis, err := Found(ann.priv, "Ann", "", Government, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Evaluate(planID, [][]byte{genesis})
	if err != nil {
		t.Fatal(err)
	}
	bea := newDev("bea")
	add, err := st.Make(ann.priv, NewAddMember(bea.d, "Bea", "", CivilSociety), t0)
	if err != nil {
		t.Fatal(err)
	}
	// The same statement with one bit of its signature flipped.
	bad := bytes.Clone(add)
	bad[len(bad)-1] ^= 1
	ev := NewEvaluator()
	s, err := ev.Evaluate(planID, [][]byte{genesis, bad})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Rejection(StatementID(bad)); !ok || !errors.Is(r.Err, ErrBadSignature) {
		t.Fatalf("bad signature: %+v", r)
	}
	if v := ev.Verified(); len(v) != 1 || v[0] != StatementID(genesis) {
		t.Fatalf("Verified lists %v, want only the genesis", v)
	}
	// Trusted (as a cache of this device's own checks would say), the bytes
	// are judged without a signature check; the good bytes are untouched.
	ev = NewEvaluator()
	ev.Trust([]ID{StatementID(bad)})
	if s, err = ev.Evaluate(planID, [][]byte{genesis, bad}); err != nil {
		t.Fatal(err)
	}
	if !s.IsMember(bea.d) {
		t.Fatal("a trusted statement's signature was checked again")
	}
	ev = NewEvaluator()
	ev.Trust([]ID{StatementID(add)})
	if s, _ = ev.Evaluate(planID, [][]byte{genesis, bad}); s.IsMember(bea.d) {
		t.Fatal("trusting one statement's ID spared the check of other bytes")
	}
	if s, _ = ev.Evaluate(planID, [][]byte{genesis, add}); !s.IsMember(bea.d) || len(ev.Verified()) != 2 {
		t.Fatalf("valid statement: member %v, verified %d", s.IsMember(bea.d), len(ev.Verified()))
	}
}

// A change attestation's bytes are authentic when its own signature
// verifies, or when an authentic statement of the same device names it as
// seen (its signature covers the attestation's ID, the hash of its bytes).
// Any other statement's own signature decides. What counts depends on the
// set of statements alone, not on what an evaluator saw before.
func TestVouchedAttestations(t *testing.T) {
	ann, cat := newDev("ann"), newDev("cat")
	planID, genesis, err := Found(ann.priv, "Ann", "", Government, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	g := StatementID(genesis)
	sign := func(d *dev, l Links, b Body) []byte {
		raw, err := Sign(d.priv, planID, l, t0, b)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	broken := func(raw []byte) []byte { // its signature broken
		b := bytes.Clone(raw)
		b[len(b)-1] ^= 1
		return b
	}
	claimAnn := func(raw []byte) []byte { // the signer field rewritten to Ann
		b := bytes.Clone(raw)
		copy(b[2+1+16:], ann.d[:])
		return b
	}
	att1 := broken(sign(ann, Links{Parents: []ID{g}}, NewAttestation("a1", 1, 3, heads("c3")[0])))
	att2 := sign(ann, Links{Parents: []ID{g}, Seen: []ID{StatementID(att1)}}, NewAttestation("a1", 4, 6, heads("c6")[0]))
	add := broken(sign(ann, Links{Parents: []ID{g}}, NewAddMember(cat.d, "Cat", "", Government)))
	afterAdd := sign(ann, Links{Parents: []ID{StatementID(add)}}, NewNamedDraft("x", heads("x")))
	// Cat claims Ann attested, and names that in an attestation of its own;
	// then a second claim of Ann's naming the first.
	forged := claimAnn(sign(cat, Links{Parents: []ID{g}}, NewAttestation("a2", 1, 3, heads("f3")[0])))
	byCat := sign(cat, Links{Parents: []ID{g}, Seen: []ID{StatementID(forged)}}, NewAttestation("a3", 1, 2, heads("f2")[0]))
	forged2 := claimAnn(sign(cat, Links{Parents: []ID{g}, Seen: []ID{StatementID(forged)}}, NewAttestation("a2", 4, 5, heads("f5")[0])))

	ev := NewEvaluator()
	cases := []struct {
		name  string
		stmts [][]byte
		valid []ID
		bad   []ID
	}{
		{"an attestation its device's next one names", [][]byte{genesis, att1, att2},
			[]ID{StatementID(att1), StatementID(att2)}, nil},
		{"not named: its own signature decides", [][]byte{genesis, att1},
			nil, []ID{StatementID(att1)}},
		{"named again", [][]byte{att2, att1, genesis},
			[]ID{StatementID(att1), StatementID(att2)}, nil},
		{"a statement of the DAG: named as parent, its own signature decides", [][]byte{genesis, add, afterAdd},
			nil, []ID{StatementID(add)}},
		{"named by another device", [][]byte{genesis, forged, byCat},
			nil, []ID{StatementID(forged)}},
		{"named by an unproven statement claiming its device", [][]byte{genesis, forged, forged2},
			nil, []ID{StatementID(forged), StatementID(forged2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ev.Evaluate(planID, c.stmts) // one evaluator across the cases: its cache must not matter
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := Evaluate(planID, c.stmts)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := digest(s, true), digest(fresh, true); a != b {
				t.Fatalf("the evaluator's history changed the result:\n%s\n---\n%s", a, b)
			}
			for _, id := range c.valid {
				if !s.Valid(id) {
					r, _ := s.Rejection(id)
					t.Fatalf("%s not valid: %s", id.Short(), r.Reason)
				}
			}
			for _, id := range c.bad {
				if r, ok := s.Rejection(id); !ok || !errors.Is(r.Err, ErrBadSignature) {
					t.Fatalf("%s: %+v, want a bad signature", id.Short(), r)
				}
				if _, ok := s.Statement(id); ok {
					t.Fatalf("%s: State.Statement returns bytes that are not authentic", id.Short())
				}
			}
			for _, id := range c.valid {
				if st, ok := s.Statement(id); !ok || st.ID != id {
					t.Fatalf("%s: State.Statement = %v, %v", id.Short(), st, ok)
				}
			}
			for _, id := range ev.Verified() {
				if id == StatementID(att1) || id == StatementID(forged) || id == StatementID(forged2) {
					t.Fatalf("Verified lists %s, whose own signature fails", id.Short())
				}
			}
		})
	}
}

// Each device's attestations chain, so evaluating the benchmark plan's
// 1,000 statements (70 of the DAG, 930 attestations by 50 devices) checks
// the signatures of the DAG's statements and of each device's latest
// attestation; the chain vouches for the rest.
func TestChainsSpareSignatureChecks(t *testing.T) {
	planID, stmts := benchPlan(t)
	ev := NewEvaluator()
	s, err := ev.Evaluate(planID, stmts)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Members()) != 50 || len(s.Rejected) != 0 || len(s.Attributions()) != 50 {
		t.Fatalf("members %d rejected %d actors %d", len(s.Members()), len(s.Rejected), len(s.Attributions()))
	}
	if n := len(ev.Verified()); n != 70+50 {
		t.Fatalf("%d signatures checked of %d statements", n, len(stmts))
	}
}
