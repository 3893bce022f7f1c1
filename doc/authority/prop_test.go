package authority

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// replica is one laptop's copy of the plan's statements.
type replica struct {
	have map[ID][]byte
	ev   *Evaluator // each replica keeps its own cache
}

func (r *replica) list() [][]byte {
	out := make([][]byte, 0, len(r.have))
	for _, b := range r.have {
		out = append(out, b)
	}
	return out
}

// TestPropertyReplicasAgree: random statements by random actors, made on
// what one replica knows (checked or forced past the checks), replicas
// syncing part of what others hold, in random orders; once every replica
// holds every statement, all compute the identical State, and it keeps the
// invariants.
func TestPropertyReplicasAgree(t *testing.T) {
	devs := []*dev{newDev("p-founder")}
	for i := range 9 {
		devs = append(devs, newDev(fmt.Sprintf("p-%d", i)))
	}
	planID, genesis, err := Found(devs[0].priv, "Founder", "", Government, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	sides := []Side{Government, CivilSociety}
	roles := []Role{RoleAdmin, RoleCoChair, RoleMinister}
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(3, 5).Draw(rt, "replicas")
		reps := make([]*replica, n)
		for i := range reps {
			reps[i] = &replica{have: map[ID][]byte{StatementID(genesis): genesis}, ev: NewEvaluator()}
			reps[i].ev.checkPast = func(e *eval, past posSet, s *astate) {
				if got, want := stateDigest(s), stateDigest(foldFromScratch(e, past)); got != want {
					rt.Fatalf("past state differs from a fold from scratch:\n%s\n---\n%s", got, want)
				}
			}
		}
		var all [][]byte
		now := t0
		steps := rapid.IntRange(5, 60).Draw(rt, "steps")
		for range steps {
			r := reps[rapid.IntRange(0, n-1).Draw(rt, "replica")]
			if rapid.IntRange(0, 3).Draw(rt, "sync?") == 0 {
				from := reps[rapid.IntRange(0, n-1).Draw(rt, "from")]
				part := rapid.Bool().Draw(rt, "part")
				for id, b := range from.have {
					if !part || id[0]%2 == 0 {
						r.have[id] = b
					}
				}
				continue
			}
			st, err := r.ev.Evaluate(planID, r.list())
			if err != nil {
				rt.Fatal(err)
			}
			// Mostly members act, on members; sometimes anyone, on anyone.
			var members, others []*dev
			for _, d := range devs {
				if st.IsMember(d.d) {
					members = append(members, d)
				} else {
					others = append(others, d)
				}
			}
			pick := func(label string, pool []*dev) *dev {
				if len(pool) == 0 || rapid.IntRange(0, 4).Draw(rt, label+" anyone") == 0 {
					pool = devs
				}
				return pool[rapid.IntRange(0, len(pool)-1).Draw(rt, label)]
			}
			actor := pick("actor", members)
			var body Body
			switch rapid.IntRange(0, 14).Draw(rt, "kind") {
			case 0, 1:
				body = NewAddMember(pick("new", others).d, "M", "", rapid.SampledFrom(sides).Draw(rt, "side"))
			case 2:
				body = NewRemoveMember(pick("target", members).d)
			case 3, 4:
				body = NewGrantRole(pick("target", members).d, rapid.SampledFrom(roles).Draw(rt, "role"))
			case 5:
				body = NewRevokeRole(pick("target", members).d, rapid.SampledFrom(roles).Draw(rt, "role"))
			case 6:
				m, _ := st.Member(actor.d)
				body = NewLinkDevice(pick("new", others).d, m.ID)
			case 7:
				body = NewUnlinkDevice(pick("target", members).d)
			case 8:
				body = NewInvite(now.Add(time.Duration(rapid.IntRange(1, 600).Draw(rt, "ttl"))*time.Minute), "", "", "")
			case 9, 10:
				var invs []ID
				for _, nd := range st.e.order {
					if nd.st.Kind == KindInvite {
						invs = append(invs, nd.id)
					}
				}
				if len(invs) == 0 {
					continue
				}
				actor = pick("joiner", others)
				body = NewRedemption(rapid.SampledFrom(invs).Draw(rt, "invite"), actor.name, "", rapid.SampledFrom(sides).Draw(rt, "side"))
			case 11:
				body = NewSettings(rapid.Bool().Draw(rt, "adminsOnly"), false)
			case 12:
				m, _ := st.Member(actor.d)
				line, _ := sshKey(actor.name)
				rk, err := NewRegisterKey(st.PlanID, m.ID, actor.d, line, keySigner(actor.name))
				if err != nil {
					rt.Fatal(err)
				}
				body = rk
			case 13:
				if m, ok := st.Minister(); ok && rapid.Bool().Draw(rt, "as minister") {
					actor = devs[slices.IndexFunc(devs, func(d *dev) bool { return slices.Contains(m.Devices, d.d) })]
				}
				fp := ""
				for _, k := range st.SigningKeys() {
					if m, _ := st.Member(actor.d); k.Member == m.ID {
						fp = k.Fingerprint
					}
				}
				if fp == "" {
					_, fp = sshKey(actor.name)
				}
				body = NewRelease("v", heads("v"), heads("m")[0], fp)
			case 14: // allowed to a co-chair or an administrator: either role counts
				body = NewMeetingStart("Forum", heads("m"), nil)
			}
			now = now.Add(time.Duration(rapid.IntRange(1, 30).Draw(rt, "dt")) * time.Minute)
			links := st.LinksFor(actor.d, body.Kind())
			if rapid.IntRange(0, 2).Draw(rt, "stale") == 0 && len(st.e.order) > 1 {
				// an actor working on an older view: concurrency
				links.Parents = []ID{st.e.order[rapid.IntRange(0, len(st.e.order)-1).Draw(rt, "old")].id}
			}
			if st.Check(actor.d, body, now) != nil && rapid.IntRange(0, 2).Draw(rt, "force") != 0 {
				continue
			}
			raw, err := Sign(actor.priv, planID, links, now, body)
			if errors.Is(err, ErrInvalid) {
				continue // a body no client can even sign
			} else if err != nil {
				rt.Fatal(err)
			}
			r.have[StatementID(raw)] = raw
			all = append(all, raw)
		}
		// Deliver everything everywhere, each replica in its own order.
		var want string
		for i, r := range reps {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(len(all))))
			for _, b := range all {
				r.have[StatementID(b)] = b
			}
			list := r.list()
			rng.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
			st, err := r.ev.Evaluate(planID, list)
			if err != nil {
				rt.Fatal(err)
			}
			got := digest(st, true)
			if i == 0 {
				want = got
				checkInvariants(rt, st)
			} else if got != want {
				rt.Fatalf("replica %d differs:\n%s\n--- replica 0:\n%s", i, got, want)
			}
		}
	})
}

func checkInvariants(t *rapid.T, s *State) {
	if len(s.Admins()) == 0 {
		t.Fatalf("no administrator left:\n%s", digest(s, true))
	}
	if m, ok := s.Minister(); ok && m.Side != Government {
		t.Fatalf("minister on the %s side", m.Side)
	}
	if len(s.withRole(RoleMinister)) > 1 {
		t.Fatal("two ministers")
	}
	perSide := map[Side]int{}
	for _, m := range s.CoChairs() {
		perSide[m.Side]++
	}
	for side, n := range perSide {
		if n > 1 {
			t.Fatalf("%d co-chairs for the %s side", n, side)
		}
	}
	byInvite := map[ID]int{}
	for _, m := range s.Members() {
		if !m.Invite.IsZero() {
			byInvite[m.Invite]++
		}
		for _, d := range m.Devices {
			if got, ok := s.Member(d); !ok || got.ID != m.ID || !s.IsMember(d) {
				t.Fatalf("device %s of %s maps to %+v", d.Short(), m.Name, got)
			}
		}
		if len(m.Roles) > 0 && m.Status != Confirmed {
			t.Fatalf("%s holds %v but is %s", m.Name, m.Roles, m.Status)
		}
	}
	for id, n := range byInvite {
		if n > 1 {
			t.Fatalf("invite %s admitted %d members", id.Short(), n)
		}
	}
	for _, k := range s.SigningKeys() {
		if _, ok := s.Member(k.Member); !ok {
			t.Fatalf("key %s of unknown member", k.Fingerprint)
		}
	}
	for _, r := range s.Releases() {
		if k, ok := s.SigningKey(r.KeyFingerprint); !ok || k.Member != r.Member || r.Key == "" {
			t.Fatalf("release %s under key %s not the minister's", r.ID.Short(), r.KeyFingerprint)
		}
	}
}

// foldFromScratch is the definition stateOf optimises: the valid statements
// of the past, folded in canonical order into an empty state.
func foldFromScratch(e *eval, past posSet) *astate {
	s := newState()
	past.each(func(i int) { e.applyNode(s, e.order[i]) })
	return s
}

func stateDigest(s *astate) string {
	st := &State{g: s, e: &eval{}}
	out := digest(st, false)
	var tombs []string
	for d, ids := range s.tomb {
		tombs = append(tombs, d.Short()+fmt.Sprint(idShorts(ids)))
	}
	slices.Sort(tombs)
	var drafts []string
	for l, ids := range s.drafts {
		drafts = append(drafts, l+fmt.Sprint(idShorts(ids)))
	}
	slices.Sort(drafts)
	return out + fmt.Sprint(tombs, drafts, s.settingsBy.Short(), len(s.meetings))
}
