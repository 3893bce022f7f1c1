package doc

import (
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/authority"
)

func TestActionsFollowTheRules(t *testing.T) {
	ann, bea := twoMembers(t)
	for _, tc := range []struct {
		name   string
		p      *Plan
		target string
		want   MemberActions
	}{
		{"the founder on a civil-society member", ann, beaA.PeerID, MemberActions{
			Grant: map[string]bool{RoleAdmin: true, RoleCoChair: true}, // the minister is on the government side
			Take:  map[string]bool{}, Remove: true, RevokeKey: map[string]bool{}}},
		{"the founder on itself, the last administrator", ann, annA.PeerID, MemberActions{
			Grant: map[string]bool{RoleCoChair: true, RoleMinister: true}, Take: map[string]bool{},
			RegisterKey: true, RevokeKey: map[string]bool{}}},
		{"a plain member on the founder", bea, annA.PeerID, MemberActions{
			Grant: map[string]bool{}, Take: map[string]bool{}, RevokeKey: map[string]bool{}}},
		{"a plain member on itself", bea, beaA.PeerID, MemberActions{
			Grant: map[string]bool{}, Take: map[string]bool{}, Remove: true, RegisterKey: true, RevokeKey: map[string]bool{}}},
		{"anyone on a non-member", ann, carlA.PeerID, MemberActions{
			Grant: map[string]bool{}, Take: map[string]bool{}, RevokeKey: map[string]bool{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.Actions(tc.target)
			if !sameActions(got, tc.want) {
				t.Errorf("actions %+v, want %+v", got, tc.want)
			}
		})
	}
	t.Run("roles held can be taken, keys revoked", func(t *testing.T) {
		if err := ann.SetMemberRole(beaA.PeerID, RoleAdmin, true); err != nil {
			t.Fatal(err)
		}
		key := testKeyLine(t, 3)
		if err := ann.AddMemberKey(annA.PeerID, testKey(t, 3)); err != nil {
			t.Fatal(err)
		}
		_, fp, _ := authority.ParseSigningKey(key)
		got := ann.Actions(beaA.PeerID)
		if !got.Take[RoleAdmin] || got.Grant[RoleAdmin] {
			t.Errorf("bea's admin role: %+v", got)
		}
		// Now two administrators: the founder may give up the role.
		if a := ann.Actions(annA.PeerID); !a.Take[RoleAdmin] || !a.Remove || !a.RevokeKey[fp] {
			t.Errorf("the founder on itself with a second admin: %+v", a)
		}
		if got := ann.Admins(); len(got) != 2 {
			t.Errorf("admins %v", got)
		}
	})
	t.Run("plan actions", func(t *testing.T) {
		ann, bea := twoMembers(t)
		if a := ann.PlanActions(); !a.Invite || !a.ChangeSettings {
			t.Errorf("founder %+v", a)
		}
		if a := bea.PlanActions(); !a.Invite || a.ChangeSettings {
			t.Errorf("member %+v", a)
		}
		if err := ann.SetAdminsOnlyInvite(true); err != nil {
			t.Fatal(err)
		}
		mergeInto(t, bea, ann)
		if a := bea.PlanActions(); a.Invite || a.ChangeSettings {
			t.Errorf("member once only admins invite %+v", a)
		}
	})
}

func sameActions(a, b MemberActions) bool {
	eq := func(x, y map[string]bool) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	}
	return a.Remove == b.Remove && a.Confirm == b.Confirm && a.RegisterKey == b.RegisterKey &&
		eq(a.Grant, b.Grant) && eq(a.Take, b.Take) && eq(a.RevokeKey, b.RevokeKey)
}

// A statement Bea forges in her own copy (through automerge-go, under her
// own actor) is listed on Ann's peer once merged: what it claimed, who
// signed it, why it counts for nothing, and whose change wrote it.
func TestRefusedStatementsListed(t *testing.T) {
	ann, bea := twoMembers(t)
	if got := ann.RefusedStatements(); len(got) != 0 {
		t.Fatalf("a fresh plan lists %d refused statements", len(got))
	}
	if err := bea.SetPlanField("title", "Plan, as Bea has it"); err != nil {
		t.Fatal(err)
	}
	bea.Attest()
	mergeInto(t, ann, bea)

	st, err := bea.Authority()
	if err != nil {
		t.Fatal(err)
	}
	body := authority.NewGrantRole(devOf(beaA), authority.RoleAdmin)
	raw, err := authority.Sign(beaA.Key, bea.ID(), st.LinksFor(devOf(beaA), body.Kind()), time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	id := authority.StatementID(raw)
	saved, err := bea.Save()
	if err != nil {
		t.Fatal(err)
	}
	d, err := am.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetActorID(bea.actor); err != nil {
		t.Fatal(err)
	}
	v, _ := d.RootMap().Get(statementsKey)
	if err := v.Map().Set(id.String(), raw); err != nil {
		t.Fatal(err)
	}
	forged, err := d.Commit("Give Bea Costa the administrator role")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Merge(d.Save()); err != nil {
		t.Fatal(err)
	}
	got := ann.RefusedStatements()
	if len(got) != 1 {
		t.Fatalf("refused %+v, want the one forged statement", got)
	}
	r := got[0]
	if r.ID != id.String() || r.Kind != "grant role" || !strings.Contains(r.Claim, "Bea Costa the administrator role") ||
		r.Signer.PeerID != beaA.PeerID || r.Signer.Name != beaA.Name || r.Reason == "" {
		t.Errorf("refused %+v", r)
	}
	if r.Writer.PeerID != beaA.PeerID || r.Change != forged.String() || r.WriterVerified {
		t.Errorf("written by %+v (verified %v) in change %s, want Bea's unattested change %s", r.Writer, r.WriterVerified, r.Change, forged)
	}
	if len(ann.Admins()) != 1 {
		t.Error("the forged grant made an administrator")
	}
}
