package authority

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// onEveryReplica evaluates the world's statements as several replicas
// would receive them: each in its own order, in batches, with its own
// evaluator judging after every batch. Every replica must end with the
// same State, which check then examines.
func onEveryReplica(t *testing.T, w *world, check func(t *testing.T, s *State)) {
	t.Helper()
	want := digest(w.state(), true)
	for r := range 5 {
		rng := rand.New(rand.NewPCG(uint64(r), 9))
		order := append([][]byte(nil), w.stmts...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		ev := NewEvaluator()
		var s *State
		for n := 0; n < len(order); {
			n = min(len(order), n+1+rng.IntN(4))
			var err error
			if s, err = ev.Evaluate(w.planID, order[:n]); err != nil && !errors.Is(err, ErrNoGenesis) {
				t.Fatal(err)
			}
		}
		if got := digest(s, true); got != want {
			t.Fatalf("replica %d differs:\n%s\n---\n%s", r, want, got)
		}
		check(t, s)
	}
}

// TestAnyAllowedRole: a statement its signer may make under several roles
// (starting or ending a meeting: co-chair or administrator) counts when the
// signer held any of them in its causal past; a concurrent revocation
// voids it only when it takes every one of them.
func TestAnyAllowedRole(t *testing.T) {
	meeting := func(s *State, id ID) bool {
		for _, m := range s.Meetings() {
			if m.ID == id {
				return true
			}
		}
		return false
	}
	t.Run("an administrator and co-chair loses the co-chair role while starting a meeting", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		f.make(f.ann, NewGrantRole(f.cat.d, RoleCoChair))
		l := f.links(f.cat, KindMeetingStart)
		rv := f.forceOn(f.ann, l, NewRevokeRole(f.cat.d, RoleCoChair))
		m := f.forceOn(f.cat, l, NewMeetingStart("Forum", heads("m"), []string{"Cat"}))
		onEveryReplica(t, f.world, func(t *testing.T, s *State) {
			if !s.Valid(rv) || !s.Valid(m) || !meeting(s, m) {
				r, _ := s.Rejection(m)
				t.Fatalf("revocation valid=%v, mark valid=%v (%s), listed=%v", s.Valid(rv), s.Valid(m), r.Reason, meeting(s, m))
			}
			if c, ok := s.Member(f.cat.d); !ok || c.Has(RoleCoChair) || !c.Has(RoleAdmin) {
				t.Fatalf("cat %+v", c)
			}
		})
		// and the same member, now only an administrator, ends it
		// concurrently with losing that role too: the end relied on the
		// start (its own meeting), not on a role, and stands.
		l = f.links(f.cat, KindMeetingEnd)
		rv2 := f.forceOn(f.ann, l, NewRevokeRole(f.cat.d, RoleAdmin))
		end := f.forceOn(f.cat, l, NewMeetingEnd(m, heads("m2"), []string{"Cat"}))
		onEveryReplica(t, f.world, func(t *testing.T, s *State) {
			if !s.Valid(rv2) || !s.Valid(end) {
				t.Fatalf("revocation valid=%v, end valid=%v", s.Valid(rv2), s.Valid(end))
			}
		})
	})
	t.Run("a member who held only the co-chair role loses it while starting a meeting", func(t *testing.T) {
		f := newFx(t)
		l := f.links(f.bob, KindMeetingStart)
		rv := f.forceOn(f.ann, l, NewRevokeRole(f.bob.d, RoleCoChair))
		m := f.forceOn(f.bob, l, NewMeetingStart("Forum", heads("m"), []string{"Bob"}))
		f.mustReject(m, ErrVoided)
		onEveryReplica(t, f.world, func(t *testing.T, s *State) {
			if r, ok := s.Rejection(m); !s.Valid(rv) || !ok || !errors.Is(r.Err, ErrVoided) || meeting(s, m) {
				t.Fatalf("revocation valid=%v, mark rejected=%v (%v), listed=%v", s.Valid(rv), ok, r.Err, meeting(s, m))
			}
		})
	})
	t.Run("both roles taken concurrently void the mark", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		f.make(f.ann, NewGrantRole(f.cat.d, RoleCoChair))
		l := f.links(f.cat, KindMeetingStart)
		rv1 := f.forceOn(f.ann, l, NewRevokeRole(f.cat.d, RoleCoChair))
		rv2 := f.forceOn(f.ann, Links{Parents: []ID{rv1}}, NewRevokeRole(f.cat.d, RoleAdmin))
		m := f.forceOn(f.cat, l, NewMeetingStart("Forum", heads("m"), []string{"Cat"}))
		f.mustReject(m, ErrVoided)
		onEveryReplica(t, f.world, func(t *testing.T, s *State) {
			if !s.Valid(rv1) || !s.Valid(rv2) || s.Valid(m) || meeting(s, m) {
				t.Fatalf("revocations %v %v, mark valid=%v", s.Valid(rv1), s.Valid(rv2), s.Valid(m))
			}
		})
	})
	t.Run("a role the signer had seen taken is no alternative", func(t *testing.T) {
		f := newFx(t)
		f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
		f.make(f.ann, NewGrantRole(f.cat.d, RoleCoChair))
		f.make(f.ann, NewRevokeRole(f.cat.d, RoleCoChair))
		// Cat had seen the co-chair role go, not the administrator role.
		l := f.links(f.cat, KindMeetingStart)
		rv := f.forceOn(f.ann, l, NewRevokeRole(f.cat.d, RoleAdmin))
		m := f.forceOn(f.cat, l, NewMeetingStart("Forum", heads("m"), nil))
		onEveryReplica(t, f.world, func(t *testing.T, s *State) {
			if r, ok := s.Rejection(m); !s.Valid(rv) || !ok || !errors.Is(r.Err, ErrVoided) {
				t.Fatalf("revocation valid=%v, mark rejected=%v (%v), want voided", s.Valid(rv), ok, r.Err)
			}
		})
	})
}
