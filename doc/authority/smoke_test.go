package authority

import "testing"

func TestSmoke(t *testing.T) {
	ann, bob, min := newDev("ann"), newDev("bob"), newDev("min")
	w := newWorld(t, ann, Government)
	w.make(ann, NewAddMember(bob.d, "Bob", "CSO", CivilSociety))
	w.make(ann, NewAddMember(min.d, "Min", "Ministry", Government))
	w.make(ann, NewGrantRole(min.d, RoleMinister))
	line, fp := sshKey("min")
	rk, err := NewRegisterKey(w.planID, min.d, min.d, line, keySigner("min"))
	if err != nil {
		t.Fatal(err)
	}
	w.make(min, rk)
	rel := w.make(min, NewRelease("1.0", heads("v1"), heads("manifest")[0], fp))
	s := w.state()
	if m, ok := s.Minister(); !ok || m.ID != min.d {
		t.Fatalf("minister %+v", m)
	}
	r, err := s.Release(rel)
	if err != nil || r.Key == "" || r.Name != "Min" {
		t.Fatalf("release %+v %v", r, err)
	}
	t.Logf("members %d rejected %d pending %d", len(s.Members()), len(s.Rejected), len(s.Pending))
	b, err := s.Bundle(rel)
	if err != nil {
		t.Fatal(err)
	}
	p, err := VerifyBundle(w.planID, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle %d bytes, release %s by %s", len(b), p.Release.Label, p.Release.Name)
}
