package authority

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// seedWorld is a small plan with statements of most kinds.
func seedWorld(t testing.TB) *fx {
	f := &fx{ann: newDev("ann"), bob: newDev("bob"), cat: newDev("cat"), min: newDev("min"), dan: newDev("dan"),
		eve: newDev("eve"), fay: newDev("fay")}
	f.world = newWorld(t, f.ann, Government)
	f.make(f.ann, NewAddMember(f.bob.d, "Bob", "ODN", CivilSociety))
	f.make(f.ann, NewAddMember(f.min.d, "Min", "Ministry", Government))
	f.make(f.ann, NewGrantRole(f.min.d, RoleMinister))
	f.make(f.ann, NewGrantRole(f.bob.d, RoleCoChair))
	f.minKey, f.minFP = sshKey("min")
	f.bobKey, f.bobFP = sshKey("bob")
	f.make(f.min, f.registerKey(f.min, f.min.d, f.minKey))
	f.make(f.bob, f.registerKey(f.bob, f.bob.d, f.bobKey))
	inv := f.invite(f.bob, "", "")
	f.make(f.eve, NewRedemption(inv, "Eve", "", CivilSociety))
	f.make(f.ann, NewConfirmClaim(f.eve.d, "Eve", "NGO", CivilSociety))
	f.make(f.eve, NewAttestation("ee01", 1, 10, heads("e10")[0]))
	f.make(f.bob, NewEndorsement("1.0", heads("v1"), heads("d")[0], f.bobFP))
	m := f.make(f.bob, NewMeetingStart("Forum", heads("m1"), []string{"Bob"}))
	f.make(f.bob, NewMeetingEnd(m, heads("m2"), []string{"Bob", "Eve"}))
	f.make(f.eve, NewNamedDraft("Consultation", heads("d1")))
	f.make(f.min, NewRelease("1.0", heads("v1"), heads("manifest")[0], f.minFP))
	f.make(f.ann, NewRemoveMember(f.eve.d))
	return f
}

func FuzzParse(f *testing.F) {
	w := seedWorld(f)
	for _, raw := range w.stmts {
		f.Add(raw)
	}
	signer := newDev("fuzz")
	for _, b := range sampleBodies(f) {
		plan, l := testPlan, Links{Parents: []ID{StatementID([]byte("p"))}}
		if b.Kind() == KindGenesis {
			plan, l = "", Links{}
		}
		raw, err := Sign(signer.priv, plan, l, t0, b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := Parse(raw)
		if err != nil {
			return
		}
		if st.ID != StatementID(raw) || !bytes.Equal(st.Raw, raw) {
			t.Fatal("ID or bytes of a parsed statement differ")
		}
		if err := st.Body.validate(); err != nil {
			t.Fatalf("parsed an invalid body: %v", err)
		}
		var e enc
		st.Body.encode(&e)
		if re, err := decodeBody(st.Kind, e.b); err != nil || !bytesEqualBody(re, st.Body) {
			t.Fatalf("body does not survive a round trip: %v", err)
		}
	})
}

func bytesEqualBody(a, b Body) bool {
	var x, y enc
	a.encode(&x)
	b.encode(&y)
	return bytes.Equal(x.b, y.b)
}

func FuzzParseBundle(f *testing.F) {
	w := seedWorld(f)
	s := w.state()
	rel := s.Releases()[0].ID
	b, err := s.Bundle(rel)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(bundleMagic))
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		id, stmts, err := ParseBundle(b)
		if err != nil {
			return
		}
		p, err := VerifyBundle(w.planID, b)
		if err != nil {
			return
		}
		if p.Release.ID != id || !p.State.Valid(id) || len(stmts) == 0 {
			t.Fatalf("verified bundle names release %s, holds %s", p.Release.ID.Short(), id.Short())
		}
		if _, ok := p.State.Minister(); !ok && p.Release.Member.IsZero() {
			t.Fatal("verified release without a minister")
		}
	})
}

// FuzzEvaluate feeds a plan's genesis and any byte strings (length-prefixed
// in the input) to Evaluate: it must not panic, and must not depend on
// their order.
func FuzzEvaluate(f *testing.F) {
	w := seedWorld(f)
	genesis := w.stmts[0]
	pack := func(list [][]byte) []byte {
		var out []byte
		for _, s := range list {
			out = binary.AppendUvarint(out, uint64(len(s)))
			out = append(out, s...)
		}
		return out
	}
	f.Add(pack(w.stmts[1:]))
	f.Add(pack(w.stmts[len(w.stmts)/2:]))
	f.Fuzz(func(t *testing.T, in []byte) {
		list := [][]byte{genesis}
		for len(in) > 0 && len(list) < 200 {
			n, k := binary.Uvarint(in)
			if k <= 0 || n > uint64(len(in)-k) {
				break
			}
			list = append(list, in[k:k+int(n)])
			in = in[k+int(n):]
		}
		a, err := Evaluate(w.planID, list)
		if err != nil {
			t.Fatal(err)
		}
		rev := make([][]byte, len(list))
		for i, s := range list {
			rev[len(list)-1-i] = s
		}
		b, err := Evaluate(w.planID, rev)
		if err != nil {
			t.Fatal(err)
		}
		if digest(a, true) != digest(b, true) {
			t.Fatal("order changed the state")
		}
		// An evaluator that judged part of the set first (its cache holds
		// what it parsed and checked) judges the whole alike.
		ev := NewEvaluator()
		if _, err := ev.Evaluate(w.planID, rev[:len(rev)/2+1]); err != nil && !errors.Is(err, ErrNoGenesis) {
			t.Fatal(err)
		}
		c, err := ev.Evaluate(w.planID, list)
		if err != nil {
			t.Fatal(err)
		}
		if digest(a, true) != digest(c, true) {
			t.Fatal("what the evaluator saw before changed the state")
		}
		if len(a.Admins()) == 0 {
			t.Fatal("no administrator")
		}
	})
}
