package authority

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// lowHigh orders two statement IDs.
func lowHigh(a, b ID) (ID, ID) {
	if bytes.Compare(a[:], b[:]) < 0 {
		return a, b
	}
	return b, a
}

func TestConcurrentStatements(t *testing.T) {
	t.Run("two redemptions of one invite: the smaller ID wins", func(t *testing.T) {
		f := newFx(t)
		inv := f.invite(f.dan, "", "")
		l := f.links(f.eve, KindRedemption)
		e := f.forceOn(f.eve, l, NewRedemption(inv, "Eve", "", Government))
		y := f.forceOn(f.fay, l, NewRedemption(inv, "Fay", "", Government))
		win, lose := lowHigh(e, y)
		f.mustValid(win)
		f.mustReject(lose, ErrVoided)
		s := f.state()
		if st := s.Invite(inv, f.now); st.Status != InviteRedeemed || st.RedeemedBy != win {
			t.Fatalf("invite %+v, want redeemed by %s", st, win.Short())
		}
		n := 0
		for _, d := range []*dev{f.eve, f.fay} {
			if s.IsMember(d.d) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d devices admitted by one invite", n)
		}
		loser := f.fay
		if win == y {
			loser = f.eve
		}
		if err := s.CheckInvite(inv, loser.d, f.now); !errors.Is(err, ErrInvite) {
			t.Fatalf("gate lets the second device in: %v", err)
		}
	})
	t.Run("a removed administrator's concurrent statements are void", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.cat, KindAddMember)
		f.make(f.ann, NewRemoveMember(f.cat.d))
		add := f.forceOn(f.cat, l, NewAddMember(f.eve.d, "Eve", "", Government))
		f.mustReject(add, ErrVoided)
		// and what Eve then does counts for nothing either
		x := f.force(f.eve, NewNamedDraft("Eve's", heads("x")))
		f.mustReject(x, ErrNotMember)
		if f.state().IsMember(f.eve.d) {
			t.Fatal("a device added by a concurrently removed administrator is a member")
		}
	})
	t.Run("a demoted administrator's concurrent grant is void", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.cat, KindGrantRole)
		f.make(f.ann, NewRevokeRole(f.cat.d, RoleAdmin))
		g := f.forceOn(f.cat, l, NewGrantRole(f.dan.d, RoleAdmin))
		f.mustReject(g, ErrVoided)
	})
	t.Run("a co-chair removes a member while that member grants a role", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		f.make(f.ann, NewRevokeRole(f.bob.d, RoleCoChair))
		l := f.links(f.ann, KindRemoveMember)
		rm := f.forceOn(f.ann, l, NewRemoveMember(f.cat.d))
		g := f.forceOn(f.cat, l, NewGrantRole(f.dan.d, RoleCoChair))
		f.mustValid(rm)
		f.mustReject(g, ErrVoided)
		if _, ok := f.state().CoChair(CivilSociety); ok {
			t.Fatal("the void grant took effect")
		}
	})
	t.Run("two administrators remove each other: the senior stands", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.ann, KindRemoveMember)
		a := f.forceOn(f.ann, l, NewRemoveMember(f.cat.d))
		c := f.forceOn(f.cat, l, NewRemoveMember(f.ann.d))
		f.mustValid(a)
		f.mustReject(c, ErrVoided)
		s := f.state()
		if !s.IsMember(f.ann.d) || s.IsMember(f.cat.d) {
			t.Fatalf("ann member=%v cat member=%v", s.IsMember(f.ann.d), s.IsMember(f.cat.d))
		}
	})
	t.Run("two administrators give up their role at once: one stays", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.ann, KindRevokeRole)
		a := f.forceOn(f.ann, l, NewRevokeRole(f.ann.d, RoleAdmin))
		c := f.forceOn(f.cat, l, NewRevokeRole(f.cat.d, RoleAdmin))
		s := f.state()
		if n := len(s.Admins()); n != 1 {
			t.Fatalf("%d administrators", n)
		}
		first, second := a, c
		if s.Valid(c) {
			first, second = c, a
		}
		f.mustValid(first)
		f.mustReject(second, ErrLastAdmin)
		f.mustReject(second, ErrConflict)
	})
	t.Run("two administrators name co-chairs of one side at once", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		hal, ida := newDev("hal"), newDev("ida")
		f.make(f.ann, NewAddMember(hal.d, "Hal", "", Government))
		f.make(f.ann, NewAddMember(ida.d, "Ida", "", Government))
		l := f.links(f.ann, KindGrantRole)
		a := f.forceOn(f.ann, l, NewGrantRole(hal.d, RoleCoChair))
		c := f.forceOn(f.cat, l, NewGrantRole(ida.d, RoleCoChair))
		s := f.state()
		if s.Valid(a) == s.Valid(c) {
			t.Fatalf("both or neither stand: %v %v", s.Valid(a), s.Valid(c))
		}
		lose := a
		if !s.Valid(c) {
			lose = c
		}
		f.mustReject(lose, ErrConflict)
		if len(s.CoChairs()) != 2 { // Bob for civil society, one for government
			t.Fatalf("co-chairs %v", s.CoChairs())
		}
	})
	t.Run("an administrator revokes the minister's key before seeing a release", func(t *testing.T) {
		f := newFx(t)
		l := f.links(f.min, KindRelease)
		rel := f.forceOn(f.min, l, f.release("1.0", f.minFP))
		rv := f.forceOn(f.ann, l, NewRevokeKey(f.minFP))
		f.mustValid(rv)
		f.mustReject(rel, ErrVoided)
	})
	t.Run("admins-only invites void a concurrent member's invite", func(t *testing.T) {
		f := newFx(t)
		l := f.links(f.dan, KindInvite)
		f.make(f.ann, NewSettings(true, false))
		inv := f.forceOn(f.dan, l, NewInvite(f.now.Add(time.Hour), "", "", ""))
		f.mustReject(inv, ErrVoided)
		ok := f.forceOn(f.ann, f.links(f.ann, KindInvite), NewInvite(f.now.Add(time.Hour), "", "", ""))
		f.mustValid(ok)
	})
	t.Run("a device added twice at once and then removed stays removed", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.ann, KindAddMember)
		f.forceOn(f.ann, l, NewAddMember(f.eve.d, "Eve", "", Government))
		rm := f.make(f.ann, NewRemoveMember(f.eve.d)) // Ann saw only her own add
		f.forceOn(f.cat, l, NewAddMember(f.eve.d, "Eve", "", Government))
		f.mustValid(rm)
		if f.state().IsMember(f.eve.d) {
			t.Fatal("a concurrent add undid the removal")
		}
	})
	t.Run("two administrators remove one member at once; a re-add after either stands", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		l := f.links(f.ann, KindRemoveMember)
		a := f.forceOn(f.ann, l, NewRemoveMember(f.dan.d))
		c := f.forceOn(f.cat, l, NewRemoveMember(f.dan.d))
		f.mustValid(a)
		f.mustValid(c)
		// Cat re-admits Dan having seen only Cat's own removal.
		f.forceOn(f.cat, Links{Parents: []ID{c}}, NewAddMember(f.dan.d, "Dan", "Transparency NGO", CivilSociety))
		// Ann's removal, unseen, wins over the re-add: refused if it comes
		// first in the canonical order, undoing it if it comes after.
		if f.state().IsMember(f.dan.d) {
			t.Fatal("a re-add that had not seen every removal stands")
		}
		re2 := f.make(f.cat, NewAddMember(f.dan.d, "Dan", "Transparency NGO", CivilSociety))
		f.mustValid(re2)
		if !f.state().IsMember(f.dan.d) {
			t.Fatal("re-added device not a member")
		}
	})
	t.Run("an administrator re-admits a removed device", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewRemoveMember(f.cat.d))
		f.make(f.ann, NewAddMember(f.cat.d, "Cat", "Cabinet Office", Government))
		s := f.state()
		if m, ok := s.Member(f.cat.d); !ok || m.Removed || len(m.Roles) != 0 || !s.IsMember(f.cat.d) {
			t.Fatalf("%+v", m)
		}
	})
	t.Run("named concurrently, a draft label is ambiguous and neither moves", func(t *testing.T) {
		f := newFx(t)
		l := f.links(f.dan, KindNamedDraft)
		a := f.forceOn(f.dan, l, NewNamedDraft("For consultation", heads("a")))
		b := f.forceOn(f.cat, l, NewNamedDraft("For consultation", heads("b")))
		f.mustValid(a)
		f.mustValid(b)
		if _, err := f.state().Draft("For consultation"); !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("Draft = %v, want ambiguous", err)
		}
	})
	t.Run("missing parents wait instead of being rejected", func(t *testing.T) {
		f := newFx(t)
		before := len(f.stmts)
		f.make(f.ann, NewAddMember(f.eve.d, "Eve", "", Government))
		add := f.stmts[before]
		f.make(f.eve, NewNamedDraft("Eve's", heads("e")))
		draft := StatementID(f.stmts[before+1])
		f.stmts = append(f.stmts[:before], f.stmts[before+1:]...) // drop the add
		s := f.state()
		if len(s.Pending) != 1 || s.Pending[0] != draft {
			t.Fatalf("pending %v", idShorts(s.Pending))
		}
		if _, rejected := s.Rejection(draft); rejected {
			t.Fatal("a waiting statement was rejected")
		}
		f.stmts = append(f.stmts, add)
		f.mustValid(draft)
	})
}

func TestKeyRotationKeepsOldReleases(t *testing.T) {
	f := newFx(t)
	r1 := f.make(f.min, f.release("1.0", f.minFP))
	newKey, newFP := sshKey("min 2027")
	f.make(f.min, f.registerKey(f.min, f.min.d, newKey))
	f.make(f.min, NewRevokeKey(f.minFP))
	r2 := f.make(f.min, f.release("2.0", newFP))
	old := f.force(f.min, f.release("2.1", f.minFP))
	f.mustValid(r1)
	f.mustValid(r2)
	f.mustReject(old, ErrKey)
	s := f.state()
	rel, err := s.Release(r1)
	if err != nil || rel.KeyFingerprint != f.minFP || rel.Key == "" {
		t.Fatalf("release 1.0 after rotation: %+v %v", rel, err)
	}
	if k, _ := s.SigningKey(f.minFP); !k.Revoked {
		t.Fatal("old key not revoked")
	}
	b, err := s.Bundle(r1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := VerifyBundle(f.planID, b)
	if err != nil {
		t.Fatalf("bundle of the old release after rotation: %v", err)
	}
	if p.Release.Key != rel.Key {
		t.Fatal("bundle names another key")
	}
}

func TestAttestations(t *testing.T) {
	actor := "5ca1ab1e00112233"
	t.Run("bound to the device that signed it", func(t *testing.T) {
		f := newFx(t)
		f.make(f.dan, NewAttestation(actor, 1, 5, heads("c5")[0]))
		f.make(f.dan, NewAttestation(actor, 6, 9, heads("c9")[0]))
		a, ok := f.state().Attribution(actor)
		if !ok || a.Disputed || a.Device != f.dan.d || a.Member != f.dan.d || a.MaxSeq() != 9 || len(a.Ranges) != 2 {
			t.Fatalf("%+v", a)
		}
	})
	t.Run("another device claiming an actor it saw attested is rejected", func(t *testing.T) {
		f := newFx(t)
		first := f.make(f.dan, NewAttestation(actor, 1, 5, heads("c5")[0]))
		l := Links{Parents: f.state().Heads().Parents, Seen: []ID{first}}
		steal := f.forceOn(f.cat, l, NewAttestation(actor, 1, 5, heads("c5")[0]))
		f.mustReject(steal, ErrConflict)
		if a, _ := f.state().Attribution(actor); a.Device != f.dan.d || a.Disputed {
			t.Fatalf("%+v", a)
		}
	})
	t.Run("concurrent claims dispute the actor", func(t *testing.T) {
		f := newFx(t)
		f.make(f.dan, NewAttestation(actor, 1, 5, heads("c5")[0]))
		f.forceOn(f.cat, Links{Parents: f.state().Heads().Parents}, NewAttestation(actor, 1, 5, heads("c5")[0]))
		a, _ := f.state().Attribution(actor)
		if !a.Disputed || len(a.Claimants) != 2 || !a.Device.IsZero() {
			t.Fatalf("%+v", a)
		}
	})
	t.Run("a removed device's attestations", func(t *testing.T) {
		f := newFx(t)
		before := f.make(f.dan, NewAttestation(actor, 1, 5, heads("c5")[0]))
		l := f.links(f.dan, KindAttestation)
		f.make(f.ann, NewRemoveMember(f.dan.d))
		during := f.forceOn(f.dan, l, NewAttestation(actor, 6, 7, heads("c7")[0]))
		after := f.force(f.dan, NewAttestation(actor, 8, 9, heads("c9")[0]))
		f.mustReject(after, ErrNotMember)
		a, _ := f.state().Attribution(actor)
		if len(a.Ranges) != 2 || a.Ranges[0].Statement != before || a.Ranges[0].AfterRemoval ||
			a.Ranges[1].Statement != during || !a.Ranges[1].AfterRemoval {
			t.Fatalf("%+v", a)
		}
	})
}

// TestOrderDoesNotMatter: any order of the same statements gives the same
// State.
func TestOrderDoesNotMatter(t *testing.T) {
	f := newFx(t)
	f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
	l := f.links(f.ann, KindRemoveMember)
	f.forceOn(f.ann, l, NewRemoveMember(f.dan.d))
	f.forceOn(f.dan, l, NewInvite(f.now.Add(time.Hour), "", "", ""))
	f.forceOn(f.cat, l, NewRevokeRole(f.ann.d, RoleAdmin))
	f.forceOn(f.ann, l, NewRevokeRole(f.cat.d, RoleAdmin))
	f.make(f.min, f.release("1.0", f.minFP))
	f.make(f.bob, NewAttestation("abcd", 1, 2, heads("x")[0]))
	want := digest(f.state(), true)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(f.stmts), func(i, j int) { f.stmts[i], f.stmts[j] = f.stmts[j], f.stmts[i] })
		s, err := Evaluate(f.planID, append(f.stmts, f.stmts[rng.IntN(len(f.stmts))]))
		if err != nil {
			t.Fatal(err)
		}
		if got := digest(s, true); got != want {
			t.Fatalf("order changed the state:\n%s\n---\n%s", want, got)
		}
	}
}
