package doc

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc/authority"
)

var (
	annA  = keyedAuthor("Ann Jones", "Cabinet Office", Government)
	beaA  = keyedAuthor("Bea Costa", "Open Budget Coalition", CivilSociety)
	carlA = keyedAuthor("Carl Rogue", "Nowhere", CivilSociety)
)

// twoMembers is Ann's plan (Ann founded it) with Bea admitted, and Bea's
// own copy of it.
func twoMembers(t *testing.T) (ann, bea *Plan) {
	t.Helper()
	ann, err := NewPlan("Plan", "Freedonia", "2025", "2027", annA)
	if err != nil {
		t.Fatal(err)
	}
	if err := ann.AddMember(Member{PeerID: beaA.PeerID, Name: beaA.Name, Org: beaA.Org, Side: beaA.Side}); err != nil {
		t.Fatal(err)
	}
	return ann, replica(t, ann, beaA)
}

func TestPlanFoundedBySignedGenesis(t *testing.T) {
	p, err := NewPlan("Plan", "Freedonia", "2025", "2027", annA)
	if err != nil {
		t.Fatal(err)
	}
	var genesis []byte
	for _, raw := range p.Statements() {
		if st, err := authority.Parse(raw); err == nil && st.Kind == authority.KindGenesis {
			genesis = raw
		}
	}
	if genesis == nil || authority.PlanIDOf(authority.StatementID(genesis)) != p.ID() {
		t.Fatalf("plan ID %s is not derived from a genesis in the plan", p.ID())
	}
	ms := p.Members()
	if len(ms) != 1 || ms[0].PeerID != annA.PeerID || !ms[0].HasRole(RoleAdmin) || ms[0].Status != "confirmed" {
		t.Fatalf("members %+v, want Ann, confirmed administrator", ms)
	}
	st, err := p.Authority()
	if err != nil || st.Founder != p.Device() {
		t.Fatalf("founder %v, err %v", st, err)
	}
	for _, tc := range []struct {
		name string
		a    Author
		want error
	}{
		{"no key", Author{Name: "Ann", Side: Government}, ErrNoDeviceKey},
		{"no name", Author{Side: Government, Key: annA.Key}, ErrInvalid},
		{"no side", Author{Name: "Ann", Key: annA.Key}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewPlan("Plan", "", "", "", tc.a); !errors.Is(err, tc.want) {
				t.Fatalf("NewPlan: %v, want %v", err, tc.want)
			}
		})
	}
}

// Every act Bea lacks the authority for is refused on her device with a
// one-line reason, and nothing is written.
func TestUnauthorizedActsRefusedWhereMade(t *testing.T) {
	ann, bea := twoMembers(t)
	if err := ann.AddMemberKey(annA.PeerID, testKey(t, 1)); err != nil {
		t.Fatal(err)
	}
	if err := ann.SetMemberRole(annA.PeerID, RoleMinister, true); err != nil {
		t.Fatal(err)
	}
	bea = replica(t, ann, beaA)
	cases := []struct {
		name string
		act  func() error
		want error
	}{
		{"register a key on another member's record", func() error { return bea.AddMemberKey(annA.PeerID, testKey(t, 2)) }, authority.ErrNotAuthorized},
		{"give oneself the minister role", func() error { return bea.SetMemberRole(beaA.PeerID, RoleMinister, true) }, authority.ErrNotAuthorized},
		{"give oneself the co-chair role", func() error { return bea.SetMemberRole(beaA.PeerID, RoleCoChair, true) }, authority.ErrNotAuthorized},
		{"give oneself the administrator role", func() error { return bea.SetMemberRole(beaA.PeerID, RoleAdmin, true) }, authority.ErrNotAuthorized},
		{"remove the minister", func() error { return bea.RemoveMember(annA.PeerID) }, authority.ErrNotAuthorized},
		{"add a member", func() error {
			return bea.AddMember(Member{PeerID: carlA.PeerID, Name: "Carl", Side: CivilSociety})
		}, authority.ErrNotAuthorized},
		{"link a device to another member", func() error { return bea.LinkDevice(carlA.PeerID, annA.PeerID) }, authority.ErrNotAuthorized},
		{"change the settings", func() error { return bea.SetEndorsementsRequired(true) }, authority.ErrNotAuthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := bea.Save()
			heads := bea.Heads()
			err := tc.act()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			after, _ := bea.Save()
			if !slices.Equal(heads, bea.Heads()) || !bytes.Equal(before, after) {
				t.Fatal("a refused act wrote to the plan")
			}
		})
	}
	// A removed device cannot be re-added by a non-administrator either.
	if err := ann.AddMember(Member{PeerID: carlA.PeerID, Name: "Carl", Side: CivilSociety}); err != nil {
		t.Fatal(err)
	}
	if err := ann.RemoveMember(carlA.PeerID); err != nil {
		t.Fatal(err)
	}
	bea = replica(t, ann, beaA)
	if err := bea.AddMember(Member{PeerID: carlA.PeerID, Name: "Carl", Side: CivilSociety}); !errors.Is(err, authority.ErrNotAuthorized) {
		t.Fatalf("re-adding a removed device: %v", err)
	}
}

// forceInto writes into a saved copy of p through automerge-go directly,
// bypassing every check of this package, and merges the copy back.
func forceInto(t *testing.T, p *Plan, write func(root *am.Map)) {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	d, err := am.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	write(d.RootMap())
	if _, err := d.Commit("forged"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Merge(d.Save()); err != nil {
		t.Fatal(err)
	}
}

// forge signs a statement with a's key on p's current links, checking
// nothing, and writes it into p through automerge-go.
func forge(t *testing.T, p *Plan, a Author, body authority.Body) authority.ID {
	t.Helper()
	st, err := p.Authority()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := authority.DeviceOfKey(a.Key)
	raw, err := authority.Sign(a.Key, p.ID(), st.LinksFor(d, body.Kind()), time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	id := authority.StatementID(raw)
	forceInto(t, p, func(root *am.Map) {
		v, _ := root.Get(statementsKey)
		if err := v.Map().Set(id.String(), raw); err != nil {
			t.Fatal(err)
		}
	})
	return id
}

func devOf(a Author) authority.Device {
	d, _ := authority.DeviceOfKey(a.Key)
	return d
}

type authView struct {
	members  []Member
	minister string
	keys     []string
}

func viewOf(t *testing.T, p *Plan) authView {
	t.Helper()
	st, err := p.Authority()
	if err != nil {
		t.Fatal(err)
	}
	v := authView{members: p.Members()}
	if m, ok := st.Minister(); ok {
		v.minister = m.ID.PeerID()
	}
	for _, k := range st.SigningKeys() {
		v.keys = append(v.keys, k.Fingerprint+" "+k.Member.PeerID())
	}
	return v
}

func sameView(a, b authView) bool {
	if a.minister != b.minister || !slices.Equal(a.keys, b.keys) || len(a.members) != len(b.members) {
		return false
	}
	for i := range a.members {
		x, y := a.members[i], b.members[i]
		if x.PeerID != y.PeerID || x.Removed != y.Removed || !slices.Equal(x.Roles, y.Roles) || !slices.Equal(x.Keys, y.Keys) || !slices.Equal(x.Devices, y.Devices) {
			return false
		}
	}
	return true
}

// Forced into the document directly, unauthorized statements and plain
// member-record edits change nothing on any other peer.
func TestForcedAuthorityHasNoEffect(t *testing.T) {
	setup := func(t *testing.T) *Plan {
		ann, _ := twoMembers(t)
		if err := ann.AddMemberKey(annA.PeerID, testKey(t, 1)); err != nil {
			t.Fatal(err)
		}
		if err := ann.SetMemberRole(annA.PeerID, RoleMinister, true); err != nil {
			t.Fatal(err)
		}
		if err := ann.AddMember(Member{PeerID: carlA.PeerID, Name: "Carl", Side: CivilSociety}); err != nil {
			t.Fatal(err)
		}
		if err := ann.RemoveMember(carlA.PeerID); err != nil {
			t.Fatal(err)
		}
		return ann
	}
	cases := []struct {
		name  string
		force func(t *testing.T, p *Plan) authority.ID // the forged statement, if any
	}{
		{"statement-less member-map edit: Bea minister", func(t *testing.T, p *Plan) authority.ID {
			forceInto(t, p, func(root *am.Map) {
				members := am.NewMap()
				_ = root.Set("members", members)
				rec := am.NewMap()
				_ = members.Set(beaA.PeerID, rec)
				roles := am.NewMap()
				_ = rec.Set("name", "Bea Costa")
				_ = rec.Set("roles", roles)
				_ = roles.Set("minister", true)
			})
			return authority.ID{}
		}},
		{"register a key on another member's record", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, squat(t, p, beaA, devOf(annA), testKeyLine(t, 2), testKey(t, 2)))
		}},
		{"register the minister's published key on one's own record, no proof", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, squat(t, p, beaA, devOf(beaA), testKeyLine(t, 3), nil))
		}},
		{"register the minister's published key on one's own record, proved with one's own key", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, squat(t, p, beaA, devOf(beaA), testKeyLine(t, 3), testKey(t, 4)))
		}},
		{"give oneself the minister role", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, authority.NewGrantRole(devOf(beaA), authority.RoleMinister))
		}},
		{"give oneself the co-chair role", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, authority.NewGrantRole(devOf(beaA), authority.RoleCoChair))
		}},
		{"remove the minister and administrator", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, authority.NewRemoveMember(devOf(annA)))
		}},
		{"re-add a removed device", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, authority.NewAddMember(devOf(carlA), "Carl", "", authority.CivilSociety))
		}},
		{"removed device re-adds itself", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, carlA, authority.NewAddMember(devOf(carlA), "Carl", "", authority.CivilSociety))
		}},
		{"link a device to another member", func(t *testing.T, p *Plan) authority.ID {
			return forge(t, p, beaA, authority.NewLinkDevice(devOf(carlA), devOf(annA)))
		}},
		{"statement under another statement's key", func(t *testing.T, p *Plan) authority.ID {
			d := devOf(beaA)
			st, _ := p.Authority()
			raw, _ := authority.Sign(beaA.Key, p.ID(), st.LinksFor(d, authority.KindGrantRole), time.Now(), authority.NewGrantRole(d, authority.RoleAdmin))
			forceInto(t, p, func(root *am.Map) {
				v, _ := root.Get(statementsKey)
				_ = v.Map().Set(strings.Repeat("ab", 32), raw)
			})
			return authority.ID{}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ann := setup(t)
			other := replica(t, ann, carlA) // a third peer, synced before
			want := viewOf(t, ann)
			id := tc.force(t, ann)
			if !id.IsZero() {
				st, _ := ann.Authority()
				r, ok := st.Rejection(id)
				if !ok {
					t.Fatalf("forged statement %s is not rejected", id.Short())
				}
				t.Logf("rejected: %s", r.Reason)
			}
			if got := viewOf(t, ann); !sameView(want, got) {
				t.Fatalf("authority changed on the peer it was forced into:\nbefore %+v\nafter  %+v", want, got)
			}
			mergeInto(t, other, ann)
			if got := viewOf(t, other); !sameView(want, got) {
				t.Fatalf("authority changed on another peer:\nbefore %+v\nafter  %+v", want, got)
			}
		})
	}
}

// A peer that deletes a statement from the map cannot make a peer that
// had it forget it; a writable plan writes it back.
func TestDeletedStatementIsRestored(t *testing.T) {
	ann, _ := twoMembers(t)
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	st, _ := ann.Authority()
	m, _ := st.Member(devOf(beaA))
	forceInto(t, ann, func(root *am.Map) {
		v, _ := root.Get(statementsKey)
		if err := v.Map().Delete(m.JoinedBy.String()); err != nil {
			t.Fatal(err)
		}
	})
	if !ann.IsMember(beaA.PeerID) {
		t.Fatal("deleting the statement that admitted Bea removed her")
	}
	if err := ann.Commit(); err != nil {
		t.Fatal(err)
	}
	fresh := replica(t, ann, Author{})
	if !fresh.IsMember(beaA.PeerID) {
		t.Fatal("the deleted statement was not written back")
	}
}

// legacyPlan is a plan document as Coplan wrote it before signed
// authority: a members map, no statements.
func legacyPlan(t *testing.T) []byte {
	t.Helper()
	d := am.New()
	root := d.RootMap()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(root.Set("schema", int64(SchemaVersion)))
	plan := am.NewMap()
	must(root.Set("plan", plan))
	must(plan.Set("id", "0123456789abcdef0123456789abcdef"))
	must(plan.Set("title", "Old plan"))
	must(plan.Set("vision", am.NewText("An old vision")))
	for _, k := range []string{"commitments", "comments", "timeline", "notes", "members", "actors"} {
		must(root.Set(k, am.NewMap()))
	}
	rec := am.NewMap()
	v, _ := root.Get("members")
	must(v.Map().Set(beaA.PeerID, rec))
	must(rec.Set("name", "Bea Costa"))
	roles := am.NewMap()
	must(rec.Set("roles", roles))
	must(roles.Set("minister", true))
	if _, err := d.Commit("Create plan Old plan"); err != nil {
		t.Fatal(err)
	}
	return d.Save()
}

func TestLegacyPlanIsReadOnlyUntilUpgraded(t *testing.T) {
	lib, err := OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old, err := lib.Adopt(legacyPlan(t), annA)
	if err != nil {
		t.Fatal(err)
	}
	if !old.NeedsUpgrade() || len(old.Members()) != 0 || old.IsMember(beaA.PeerID) {
		t.Fatalf("legacy plan: needs upgrade %v, members %+v", old.NeedsUpgrade(), old.Members())
	}
	err = old.SetPlanField("title", "Edited")
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "coplan upgrade") {
		t.Fatalf("editing a legacy plan: %v", err)
	}
	oldID := old.ID()
	old.Close()

	p, err := lib.Upgrade(oldID, annA)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID() == oldID || p.UpgradedFrom() != oldID || p.NeedsUpgrade() {
		t.Fatalf("upgraded plan %s from %q", p.ID(), p.UpgradedFrom())
	}
	st, _ := p.Authority()
	if authority.PlanIDOf(st.Genesis) != p.ID() || p.Info().Title != "Old plan" {
		t.Fatalf("upgraded plan: genesis %s, title %q", st.Genesis, p.Info().Title)
	}
	ms := p.Members()
	if len(ms) != 1 || ms[0].PeerID != annA.PeerID || !ms[0].HasRole(RoleAdmin) {
		t.Fatalf("members of the upgraded plan %+v (the old records must count for nothing)", ms)
	}
	if err := p.SetPlanField("title", "Edited"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Upgrade(p.ID(), annA); !errors.Is(err, ErrNoUpgrade) {
		t.Fatalf("upgrading a signed plan: %v", err)
	}
}

// testKey is a fixed OpenSSH Ed25519 signing key, one per n.
func testKey(t *testing.T, n byte) ssh.Signer {
	t.Helper()
	s, err := ssh.NewSignerFromKey(keyedAuthor(string([]byte{'k', n}), "", Government).Key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testKeyLine is testKey(t, n)'s public key line.
func testKeyLine(t *testing.T, n byte) string {
	t.Helper()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(testKey(t, n).PublicKey())))
}

// squat is a's registration, on member's record, of the key line with a
// proof made by prover (nil: no proof), as a hostile client would write it.
func squat(t *testing.T, p *Plan, a Author, member authority.Device, line string, prover ssh.Signer) authority.RegisterKey {
	t.Helper()
	key, fp, err := authority.ParseSigningKey(line)
	if err != nil {
		t.Fatal(err)
	}
	b := authority.RegisterKey{Member: member, Key: key, Fingerprint: fp}
	if prover != nil {
		if b.Proof, err = keyProofSigner(prover)(authority.KeyProofData(p.ID(), member, devOf(a), key)); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// lyingSigner claims one key and signs with another: a member who has the
// minister's published public key but not its private half.
type lyingSigner struct{ claims, signs ssh.Signer }

func (l lyingSigner) PublicKey() ssh.PublicKey { return l.claims.PublicKey() }
func (l lyingSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	return l.signs.Sign(r, data)
}

// Squatting the minister's published key: refused where it is made, and,
// forced into the document with a missing or wrong proof, of no effect on
// any peer; the minister still registers the key and signs with it.
func TestSquattedKeyHasNoEffect(t *testing.T) {
	ann, bea := twoMembers(t)
	if err := ann.SetMemberRole(annA.PeerID, RoleMinister, true); err != nil {
		t.Fatal(err)
	}
	mergeInto(t, bea, ann)
	published := testKeyLine(t, 3) // Ann's key, as the government publishes it
	_, fp, _ := authority.ParseSigningKey(published)
	heads := bea.Heads()
	err := bea.AddMemberKey(beaA.PeerID, lyingSigner{claims: testKey(t, 3), signs: testKey(t, 4)})
	if !errors.Is(err, authority.ErrKeyProof) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("squatting where made: %v, want a one-line %v", err, authority.ErrKeyProof)
	}
	if !slices.Equal(bea.Heads(), heads) {
		t.Fatal("a refused registration wrote to the plan")
	}
	genuine, err := authority.NewRegisterKey(ann.ID(), devOf(annA), devOf(annA), published, keyProofSigner(testKey(t, 3)))
	if err != nil {
		t.Fatal(err)
	}
	replayed := genuine
	replayed.Member = devOf(beaA)
	forged := map[string]authority.Body{
		"no proof":                       squat(t, bea, beaA, devOf(beaA), published, nil),
		"proved with the squatter's key": squat(t, bea, beaA, devOf(beaA), published, testKey(t, 4)),
		"the minister's proof replayed":  replayed,
	}
	other := replica(t, ann, carlA) // a third peer
	for name, b := range forged {
		t.Run(name, func(t *testing.T) {
			id := forge(t, bea, beaA, b)
			st, _ := bea.Authority()
			r, ok := st.Rejection(id)
			if !ok || !errors.Is(r.Err, authority.ErrKeyProof) {
				t.Fatalf("forged registration: rejected %v (%q), want %v", ok, r.Reason, authority.ErrKeyProof)
			}
			t.Logf("rejected: %s", r.Reason)
		})
	}
	mergeInto(t, ann, bea)
	mergeInto(t, other, bea)
	for _, p := range []*Plan{ann, bea, other} {
		if st, _ := p.Authority(); st != nil {
			if _, ok := st.SigningKey(fp); ok {
				t.Fatal("a squatted key counts as registered")
			}
		}
	}
	if err := ann.AddMemberKey(annA.PeerID, testKey(t, 3)); err != nil {
		t.Fatalf("the minister registering her own key after the squat: %v", err)
	}
	rel, err := ann.Make(authority.NewRelease("1.0", ann.Heads(), strings.Repeat("ab", 32), fp), "")
	if err != nil {
		t.Fatalf("the minister signing with her key: %v", err)
	}
	mergeInto(t, other, ann)
	st, err := other.Authority()
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := st.SigningKey(fp); !ok || k.Member != devOf(annA) {
		t.Fatalf("key %+v on a third peer", k)
	}
	if r, err := st.Release(rel); err != nil || r.Member != devOf(annA) {
		t.Fatalf("release on a third peer: %+v %v", r, err)
	}
}
