package authority

import (
	"errors"
	"testing"
	"time"
)

// fx is a plan founded by Ann (government, administrator) with Bob
// (civil society co-chair), Cat (government), Min (government, minister,
// with a registered key) and Dan (civil society).
type fx struct {
	*world
	ann, bob, cat, min, dan, eve, fay *dev
	minKey, minFP                     string
	bobKey, bobFP                     string
}

func newFx(t *testing.T) *fx {
	f := &fx{ann: newDev("ann"), bob: newDev("bob"), cat: newDev("cat"), min: newDev("min"), dan: newDev("dan"),
		eve: newDev("eve"), fay: newDev("fay")}
	f.world = newWorld(t, f.ann, Government)
	f.make(f.ann, NewAddMember(f.bob.d, "Bob", "Open Data Network", CivilSociety))
	f.make(f.ann, NewAddMember(f.cat.d, "Cat", "Cabinet Office", Government))
	f.make(f.ann, NewAddMember(f.min.d, "Min", "Ministry", Government))
	f.make(f.ann, NewAddMember(f.dan.d, "Dan", "Transparency NGO", CivilSociety))
	f.make(f.ann, NewGrantRole(f.min.d, RoleMinister))
	f.make(f.ann, NewGrantRole(f.bob.d, RoleCoChair))
	f.minKey, f.minFP = sshKey("min")
	f.bobKey, f.bobFP = sshKey("bob")
	f.make(f.min, f.registerKey(f.min, f.min.d, f.minKey))
	return f
}

func (f *fx) release(label, fp string) Release {
	return NewRelease(label, heads(label), heads("manifest " + label)[0], fp)
}

func (f *fx) invite(by *dev, name string, side Side) ID {
	return f.make(by, NewInvite(f.now.Add(24*time.Hour), name, "", side))
}

// TestRulesRefuseWithoutAuthority: each rule, tried by a member without the
// authority, is refused where it is made (Check) and, forced into the plan
// anyway, rejected by every evaluation with the same reason.
func TestRulesRefuseWithoutAuthority(t *testing.T) {
	cases := []struct {
		name string
		try  func(f *fx) (*dev, Body)
		want error
	}{
		{"register a key on another member's record", func(f *fx) (*dev, Body) {
			return f.bob, f.registerKey(f.bob, f.min.d, f.bobKey)
		}, ErrNotAuthorized},
		{"register the minister's published key on one's own record", func(f *fx) (*dev, Body) {
			return f.bob, forgedKey(f.world, f.bob, f.bob.d, f.minKey, "bob")
		}, ErrKeyProof},
		{"register a key another member holds and registered first", func(f *fx) (*dev, Body) {
			return f.bob, f.registerKey(f.bob, f.bob.d, f.minKey)
		}, ErrKey},
		{"release with a key not registered by the minister's device", func(f *fx) (*dev, Body) {
			f.make(f.bob, f.registerKey(f.bob, f.bob.d, f.bobKey))
			return f.min, f.release("1.0", f.bobFP)
		}, ErrKey},
		{"release by a member who is not the minister", func(f *fx) (*dev, Body) {
			f.make(f.bob, f.registerKey(f.bob, f.bob.d, f.bobKey))
			return f.bob, f.release("1.0", f.bobFP)
		}, ErrNotAuthorized},
		{"release with a revoked key", func(f *fx) (*dev, Body) {
			f.make(f.min, NewRevokeKey(f.minFP))
			return f.min, f.release("1.0", f.minFP)
		}, ErrKey},
		{"give oneself the minister role", func(f *fx) (*dev, Body) {
			return f.cat, NewGrantRole(f.cat.d, RoleMinister)
		}, ErrNotAuthorized},
		{"give oneself a co-chair role", func(f *fx) (*dev, Body) {
			return f.cat, NewGrantRole(f.cat.d, RoleCoChair)
		}, ErrNotAuthorized},
		{"give oneself the administrator role", func(f *fx) (*dev, Body) {
			return f.dan, NewGrantRole(f.dan.d, RoleAdmin)
		}, ErrNotAuthorized},
		{"minister role to a civil-society member", func(f *fx) (*dev, Body) {
			f.make(f.ann, NewRevokeRole(f.min.d, RoleMinister))
			return f.ann, NewGrantRole(f.dan.d, RoleMinister)
		}, ErrRole},
		{"a second minister", func(f *fx) (*dev, Body) {
			return f.ann, NewGrantRole(f.cat.d, RoleMinister)
		}, ErrRole},
		{"a second co-chair for one side", func(f *fx) (*dev, Body) {
			return f.ann, NewGrantRole(f.dan.d, RoleCoChair)
		}, ErrRole},
		{"a role for a member who only claimed who they are", func(f *fx) (*dev, Body) {
			inv := f.invite(f.dan, "", "")
			f.make(f.eve, NewRedemption(inv, "Eve", "Somewhere", Government))
			return f.ann, NewGrantRole(f.eve.d, RoleAdmin)
		}, ErrRole},
		{"remove the minister without being an administrator", func(f *fx) (*dev, Body) {
			return f.bob, NewRemoveMember(f.min.d)
		}, ErrNotAuthorized},
		{"remove an administrator without being one", func(f *fx) (*dev, Body) {
			return f.bob, NewRemoveMember(f.ann.d)
		}, ErrNotAuthorized},
		{"take the minister's role without being an administrator", func(f *fx) (*dev, Body) {
			return f.bob, NewRevokeRole(f.min.d, RoleMinister)
		}, ErrNotAuthorized},
		{"remove the last administrator", func(f *fx) (*dev, Body) {
			return f.ann, NewRemoveMember(f.ann.d)
		}, ErrLastAdmin},
		{"give up the last administrator role", func(f *fx) (*dev, Body) {
			return f.ann, NewRevokeRole(f.ann.d, RoleAdmin)
		}, ErrLastAdmin},
		{"a removed device re-adds itself", func(f *fx) (*dev, Body) {
			f.make(f.ann, NewRemoveMember(f.cat.d))
			return f.cat, NewAddMember(f.cat.d, "Cat", "Cabinet Office", Government)
		}, ErrNotMember},
		{"a removed device rejoins by invite", func(f *fx) (*dev, Body) {
			inv := f.invite(f.dan, "", "")
			f.make(f.ann, NewRemoveMember(f.cat.d))
			return f.cat, NewRedemption(inv, "Cat", "Cabinet Office", Government)
		}, ErrRemovedDevice},
		{"a member links a removed device to itself", func(f *fx) (*dev, Body) {
			f.make(f.ann, NewRemoveMember(f.cat.d))
			return f.bob, NewLinkDevice(f.cat.d, f.bob.d)
		}, ErrRemovedDevice},
		{"link a device to another member", func(f *fx) (*dev, Body) {
			return f.bob, NewLinkDevice(f.eve.d, f.min.d)
		}, ErrNotAuthorized},
		{"a removed administrator's later grant", func(f *fx) (*dev, Body) {
			f.make(f.ann, NewGrantRole(f.cat.d, RoleAdmin))
			f.make(f.ann, NewRemoveMember(f.cat.d))
			return f.cat, NewGrantRole(f.dan.d, RoleAdmin)
		}, ErrNotMember},
		{"a member adds a member", func(f *fx) (*dev, Body) {
			return f.dan, NewAddMember(f.eve.d, "Eve", "", Government)
		}, ErrNotAuthorized},
		{"a member confirms a claim", func(f *fx) (*dev, Body) {
			return f.dan, NewConfirmClaim(f.dan.d, "Dan", "Government", Government)
		}, ErrNotAuthorized},
		{"a member changes the settings", func(f *fx) (*dev, Body) {
			return f.dan, NewSettings(false, false)
		}, ErrNotAuthorized},
		{"a member invites when only administrators may", func(f *fx) (*dev, Body) {
			f.make(f.ann, NewSettings(true, false))
			return f.dan, NewInvite(f.now.Add(time.Hour), "", "", "")
		}, ErrNotAuthorized},
		{"redeem an expired invite", func(f *fx) (*dev, Body) {
			inv := f.make(f.dan, NewInvite(f.now.Add(90*time.Second), "", "", ""))
			return f.eve, NewRedemption(inv, "Eve", "", Government)
		}, ErrInvite},
		{"redeem an invite a second time", func(f *fx) (*dev, Body) {
			inv := f.invite(f.dan, "", "")
			f.make(f.eve, NewRedemption(inv, "Eve", "", Government))
			return f.fay, NewRedemption(inv, "Fay", "", Government)
		}, ErrInvite},
		{"claim other than the invite vouched for", func(f *fx) (*dev, Body) {
			inv := f.invite(f.dan, "Eve", CivilSociety)
			return f.fay, NewRedemption(inv, "Fay", "", CivilSociety)
		}, ErrInvite},
		{"redeem an invite of a removed inviter", func(f *fx) (*dev, Body) {
			inv := f.invite(f.dan, "", "")
			f.make(f.ann, NewRemoveMember(f.dan.d))
			return f.eve, NewRedemption(inv, "Eve", "", Government)
		}, ErrInvite},
		{"endorse without being a co-chair", func(f *fx) (*dev, Body) {
			line, fp := sshKey("cat")
			f.make(f.cat, f.registerKey(f.cat, f.cat.d, line))
			return f.cat, NewEndorsement("1.0", heads("1.0"), heads("e")[0], fp)
		}, ErrNotAuthorized},
		{"endorse with another member's key", func(f *fx) (*dev, Body) {
			return f.bob, NewEndorsement("1.0", heads("1.0"), heads("e")[0], f.minFP)
		}, ErrKey},
		{"start a meeting without being a co-chair", func(f *fx) (*dev, Body) {
			return f.dan, NewMeetingStart("Forum", heads("m"), []string{"Dan"})
		}, ErrNotAuthorized},
		{"end a meeting someone else started without being a co-chair or administrator", func(f *fx) (*dev, Body) {
			m := f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil))
			return f.dan, NewMeetingEnd(m, heads("m2"), nil)
		}, ErrNotAuthorized},
		{"a removed co-chair ends its own meeting", func(f *fx) (*dev, Body) {
			m := f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil))
			f.make(f.ann, NewRemoveMember(f.bob.d))
			return f.bob, NewMeetingEnd(m, heads("m2"), nil)
		}, ErrNotMember},
		{"end a meeting twice", func(f *fx) (*dev, Body) {
			m := f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil))
			f.make(f.bob, NewMeetingEnd(m, heads("m2"), []string{"Bob"}))
			return f.bob, NewMeetingEnd(m, heads("m3"), nil)
		}, ErrDuplicate},
		{"end a meeting that never started", func(f *fx) (*dev, Body) {
			return f.bob, NewMeetingEnd(StatementID([]byte("no meeting")), heads("m"), nil)
		}, ErrUnknownRef},
		{"move a named draft by naming another", func(f *fx) (*dev, Body) {
			f.make(f.dan, NewNamedDraft("Consultation", heads("a")))
			return f.cat, NewNamedDraft("Consultation", heads("b"))
		}, ErrDuplicate},
		{"unlink a member's last device", func(f *fx) (*dev, Body) {
			return f.dan, NewUnlinkDevice(f.dan.d)
		}, ErrLastDevice},
		{"unlink another member's device", func(f *fx) (*dev, Body) {
			f.make(f.cat, NewLinkDevice(f.eve.d, f.cat.d))
			return f.dan, NewUnlinkDevice(f.eve.d)
		}, ErrNotAuthorized},
		{"revoke another member's key", func(f *fx) (*dev, Body) {
			return f.dan, NewRevokeKey(f.minFP)
		}, ErrNotAuthorized},
		{"attest changes without being a member", func(f *fx) (*dev, Body) {
			return f.eve, NewAttestation("aa01", 1, 3, heads("c")[0])
		}, ErrNotMember},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			by, body := tc.try(f)
			before := f.state()
			if err := before.Check(by.d, body, f.now.Add(time.Minute)); !errors.Is(err, tc.want) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
			if _, err := before.Make(by.priv, body, f.now.Add(time.Minute)); !errors.Is(err, tc.want) {
				t.Fatalf("Make = %v, want %v", err, tc.want)
			}
			id := f.force(by, body)
			f.mustReject(id, tc.want)
			r, _ := f.state().Rejection(id)
			t.Log(r.Reason)
			after := f.state()
			if digest(after, false) != digest(before, false) {
				t.Fatalf("a rejected statement changed the state:\n%s\n---\n%s", digest(before, false), digest(after, false))
			}
		})
	}
}

// TestMeetingAndDraftRights: who may name drafts and run meetings (the
// rulebook's "Named drafts are made by any member's device" and "Meetings
// are started by a co-chair's or an administrator's device…").
func TestMeetingAndDraftRights(t *testing.T) {
	cases := []struct {
		name string
		run  func(f *fx) ID
	}{
		{"any member names a draft", func(f *fx) ID { return f.make(f.dan, NewNamedDraft("Dan's draft", heads("d"))) }},
		{"a co-chair starts a meeting", func(f *fx) ID { return f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil)) }},
		{"an administrator starts a meeting", func(f *fx) ID { return f.make(f.ann, NewMeetingStart("Forum", heads("m"), nil)) }},
		{"an administrator ends a co-chair's meeting", func(f *fx) ID {
			m := f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil))
			return f.make(f.ann, NewMeetingEnd(m, heads("m2"), nil))
		}},
		{"a starter who lost the co-chair role ends its own meeting", func(f *fx) ID {
			m := f.make(f.bob, NewMeetingStart("Forum", heads("m"), nil))
			f.make(f.ann, NewRevokeRole(f.bob.d, RoleCoChair))
			return f.make(f.bob, NewMeetingEnd(m, heads("m2"), nil))
		}},
		{"the meeting notes travel in the start", func(f *fx) ID {
			b := NewMeetingStart("Forum", heads("m"), []string{"Bob"})
			b.Note = "n123"
			id := f.make(f.bob, b)
			if ms := f.state().Meetings(); len(ms) != 1 || ms[0].Note != "n123" || ms[0].ID != id {
				f.t.Fatalf("meetings %+v", ms)
			}
			return id
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFx(t)
			f.mustValid(tc.run(f))
		})
	}
}
