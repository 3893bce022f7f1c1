package authority

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestMemberStatusesAndInvites(t *testing.T) {
	f := newFx(t)
	byAdmin := f.invite(f.ann, "Eve", CivilSociety)
	byMember := f.invite(f.dan, "Fay", Government)
	open := f.invite(f.dan, "", "")
	gus, hal := newDev("gus"), newDev("hal")
	s := f.state()
	if err := s.CheckInvite(open, gus.d, f.now); err != nil {
		t.Fatalf("gate refuses an open invite: %v", err)
	}
	if err := s.CheckInvite(open, gus.d, f.now.Add(48*time.Hour)); !errors.Is(err, ErrInvite) {
		t.Fatalf("gate admits on an expired invite: %v", err)
	}
	if err := s.CheckInvite(StatementID([]byte("nothing")), gus.d, f.now); !errors.Is(err, ErrInvite) {
		t.Fatalf("gate admits on an unknown invite: %v", err)
	}
	f.make(f.eve, NewRedemption(byAdmin, "Eve", "", CivilSociety))
	f.make(f.fay, NewRedemption(byMember, "Fay", "", Government))
	f.make(gus, NewRedemption(open, "Gus", "Somewhere", Government))
	s = f.state()
	for _, c := range []struct {
		d      *dev
		status Status
		by     Device
	}{{f.eve, Confirmed, f.ann.d}, {f.fay, Vouched, f.dan.d}, {gus, Claimed, Device{}}} {
		m, ok := s.Member(c.d.d)
		if !ok || m.Status != c.status || m.VouchedBy != c.by {
			t.Errorf("%s: %+v, want %s by %s", c.d.name, m, c.status, c.by.Short())
		}
	}
	if st := s.Invite(open, f.now); st.Status != InviteRedeemed || st.Redeemer != gus.d {
		t.Fatalf("%+v", st)
	}
	if err := s.CheckInvite(open, hal.d, f.now); !errors.Is(err, ErrInvite) {
		t.Fatalf("gate admits a second device: %v", err)
	}
	if err := s.CheckInvite(open, gus.d, f.now); err != nil {
		t.Fatalf("gate refuses the device that redeemed: %v", err)
	}
	f.make(f.ann, NewConfirmClaim(gus.d, "Gus G.", "Somewhere", Government))
	if m, _ := f.state().Member(gus.d); m.Status != Confirmed || m.Name != "Gus G." || m.VouchedBy != f.ann.d {
		t.Fatalf("%+v", m)
	}
	if !f.state().CanInvite(gus.d, f.now) || f.state().CanInvite(hal.d, f.now) {
		t.Fatal("CanInvite")
	}

	t.Run("inviter removed concurrently", func(t *testing.T) {
		inv := f.invite(f.dan, "", "")
		l := f.links(hal, KindRedemption)
		f.make(f.ann, NewRemoveMember(f.dan.d))
		r := f.forceOn(hal, l, NewRedemption(inv, "Hal", "", Government))
		f.mustReject(r, ErrVoided)
		if st := f.state().Invite(inv, f.now); st.Status != InviteCancelled {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("redemption dated before the invite", func(t *testing.T) {
		inv := f.invite(f.ann, "", "")
		raw, err := Sign(hal.priv, f.planID, f.links(hal, KindRedemption), f.now.Add(-time.Hour), NewRedemption(inv, "Hal", "", Government))
		if err != nil {
			t.Fatal(err)
		}
		f.stmts = append(f.stmts, raw)
		f.mustReject(StatementID(raw), ErrInvite)
	})
}

func TestOwnRecord(t *testing.T) {
	f := newFx(t)
	f.make(f.bob, NewRevokeRole(f.bob.d, RoleCoChair)) // a co-chair steps down
	f.make(f.dan, NewRemoveMember(f.dan.d))            // a member leaves
	s := f.state()
	if _, ok := s.CoChair(CivilSociety); ok || s.IsMember(f.dan.d) {
		t.Fatal("own role or membership not given up")
	}
	// The minister's side cannot change while the role is held.
	id := f.force(f.ann, NewConfirmClaim(f.min.d, "Min", "Ministry", CivilSociety))
	f.mustReject(id, ErrRole)
	f.make(f.ann, NewRevokeRole(f.min.d, RoleMinister))
	f.make(f.ann, NewConfirmClaim(f.min.d, "Min", "Civic Tech", CivilSociety))
	// A second device acts as its member; unlinking it ends that.
	f.make(f.cat, NewLinkDevice(f.eve.d, f.cat.d))
	f.make(f.ann, NewGrantRole(f.cat.d, RoleCoChair))
	m := f.make(f.eve, NewMeetingStart("Forum", heads("m"), []string{"Cat"}))
	f.make(f.cat, NewMeetingEnd(m, heads("m2"), []string{"Cat", "Ann"}))
	f.make(f.cat, NewUnlinkDevice(f.eve.d))
	late := f.force(f.eve, NewNamedDraft("late", heads("l")))
	f.mustReject(late, ErrNotMember)
	s = f.state()
	ms := s.Meetings()
	if len(ms) != 1 || !ms[0].Ended || ms[0].StartedBy != f.eve.d || !slices.Equal(ms[0].End.Attendees, []string{"Cat", "Ann"}) {
		t.Fatalf("%+v", ms)
	}
	if _, ok := s.Removed(f.eve.d); !ok {
		t.Fatal("unlinked device not recorded as removed")
	}
}

func TestLinksAndUpgrade(t *testing.T) {
	ann := newDev("ann")
	old := "0123456789abcdef0123456789abcdef"
	id, g, err := Found(ann.priv, "Ann", "", Government, old, t0)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, planID: id, stmts: [][]byte{g}, now: t0, ev: NewEvaluator()}
	s := w.state()
	if s.UpgradedFrom != old || s.Founder != ann.d || PlanIDOf(s.Genesis) != id || len(id) != 32 {
		t.Fatalf("%+v", s)
	}
	bob := newDev("bob")
	w.make(ann, NewAddMember(bob.d, "Bob", "", CivilSociety))
	a1 := w.make(ann, NewAttestation("aa", 1, 2, heads("a")[0]))
	b1 := w.make(bob, NewAttestation("bb", 1, 2, heads("b")[0]))
	s = w.state()
	if l := s.LinksFor(bob.d, KindAttestation); len(l.Seen) != 1 || l.Seen[0] != b1 {
		t.Fatalf("attestation links %v", l)
	}
	if l := s.LinksFor(ann.d, KindRemoveMember); len(l.Seen) != 2 {
		t.Fatalf("removal links %v", l)
	}
	if l := s.LinksFor(ann.d, KindGrantRole); len(l.Seen) != 0 || len(l.Parents) != 1 {
		t.Fatalf("grant links %v", l)
	}
	a2 := w.make(ann, NewAttestation("aa", 3, 4, heads("a2")[0]))
	if st, _ := Parse(w.stmts[len(w.stmts)-1]); !slices.Equal(st.Links.Seen, []ID{a1}) || StatementID(w.stmts[len(w.stmts)-1]) != a2 {
		t.Fatalf("attestation chain %v", st.Links)
	}
}
