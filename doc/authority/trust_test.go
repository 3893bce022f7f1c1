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
