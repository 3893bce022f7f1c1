package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// shown reports whether o is in the members screen's detail panel and
// visible.
func shown(m *membersScreen, o fyne.CanvasObject) bool {
	found := false
	walk(m.detail, func(x fyne.CanvasObject) {
		if x == o {
			found = true
		}
	})
	return found && o.Visible()
}

func TestMemberControlsOnlyForThoseWhoMayUseThem(t *testing.T) {
	t.Run("administrator", func(t *testing.T) {
		f := newFixture(t) // Ana, the founder
		m := f.members(t)
		selectMember(t, m, bruno.PeerID)
		for name, o := range map[string]fyne.CanvasObject{"administrator": m.admin, "minister": m.minister, "co-chair": m.cochair, "remove": m.remove} {
			if !shown(m, o) {
				t.Errorf("an administrator is not offered %s on a member", name)
			}
		}
		if shown(m, m.addKey) || shown(m, m.readOnly) || shown(m, m.confirm) {
			t.Error("key registration, the read-only note or confirming a confirmed member is offered for another member")
		}
		if !m.membersInvite.Visible() || !m.membersInvite.Checked || m.settingsText.Visible() {
			t.Errorf("invite setting: check shown %v ticked %v, text %q", m.membersInvite.Visible(), m.membersInvite.Checked, m.settingsText.Text)
		}
		test.Tap(m.membersInvite)
		if !f.plan.Settings().AdminsOnlyInvite {
			t.Error("unticking 'Members may invite' did not restrict invites")
		}
		test.Tap(m.admin)
		if mem, _ := f.plan.Member(bruno.PeerID); !mem.HasRole(doc.RoleAdmin) {
			t.Errorf("ticking Administrator gave roles %v", mem.Roles)
		}
	})
	t.Run("plain member", func(t *testing.T) {
		f := newFixtureAs(t, bruno)
		m := f.members(t)
		selectMember(t, m, ana.PeerID)
		for name, o := range map[string]fyne.CanvasObject{"administrator": m.admin, "minister": m.minister, "co-chair": m.cochair,
			"remove": m.remove, "register key": m.addKey, "confirm": m.confirm} {
			if shown(m, o) {
				t.Errorf("a plain member is offered %s on the founder", name)
			}
		}
		if !shown(m, m.readOnly) || !strings.Contains(m.roles.Text, "administrator") {
			t.Errorf("the founder's panel: read-only note %v, roles %q", shown(m, m.readOnly), m.roles.Text)
		}
		selectMember(t, m, bruno.PeerID)
		if !shown(m, m.addKey) || shown(m, m.remove) || shown(m, m.minister) {
			t.Error("on their own record a member registers a key, and does not remove themselves or take roles here")
		}
		if m.membersInvite.Visible() || m.endorsements.Visible() || !m.settingsText.Visible() || !strings.Contains(m.settingsText.Text, "Any member may invite") {
			t.Errorf("settings for a plain member: check %v, text %q", m.membersInvite.Visible(), m.settingsText.Text)
		}
		if !m.invite.Visible() {
			t.Error("a member who may invite is not offered Invite")
		}
		if !m.banner.Visible() || m.makeAdmin.Visible() {
			t.Errorf("one administrator: warning %v, fix offered to a plain member %v", m.banner.Visible(), m.makeAdmin.Visible())
		}
		if want := "Only one administrator (Ana Costa): if their laptop is lost"; !strings.HasPrefix(m.bannerText.Text, want) {
			t.Errorf("a plain member's warning says %q, want %q…", m.bannerText.Text, want)
		}
	})
	t.Run("plain member once only administrators invite", func(t *testing.T) {
		f := newFixtureAs(t, bruno)
		other := forkAs(t, f.plan, ana)
		if err := other.SetAdminsOnlyInvite(true); err != nil {
			t.Fatal(err)
		}
		mergeIntoWindow(t, f, other)
		m := f.members(t)
		if m.invite.Visible() || !strings.Contains(m.settingsText.Text, "Only administrators may invite") {
			t.Errorf("invite shown %v, text %q", m.invite.Visible(), m.settingsText.Text)
		}
		f.ui.showInvite()
		if !dialogSays(f.ui.win, "only administrators invite") {
			t.Error("Ctrl+I made an invite the plan refuses")
		}
	})
}

func TestFewAdministratorsWarning(t *testing.T) {
	f := newFixture(t)
	m := f.members(t)
	if !m.banner.Visible() || !m.makeAdmin.Visible() {
		t.Fatalf("one administrator: warning %v, fix %v", m.banner.Visible(), m.makeAdmin.Visible())
	}
	if !walkText(m.banner, fewAdminsWarning) {
		t.Error("the warning does not say what to do")
	}
	membersRow := func() outlineItem {
		for _, it := range f.ui.ws.outline.items {
			if it.kind == kindMembers {
				return it
			}
		}
		t.Fatal("no Members row in the outline")
		return outlineItem{}
	}
	if it := membersRow(); it.sub != "Only one administrator" || !it.warn {
		t.Errorf("the outline's Members row, seen from every screen, says %q (warning %v)", it.sub, it.warn)
	}
	test.Tap(m.makeAdmin)
	if !dialogSays(f.ui.win, "Choose a member you trust") {
		t.Fatal("no choice of member asked")
	}
	test.Tap(findButton(t, f.ui.win.Canvas().Overlays().Top(), "Make administrator"))
	if mem, _ := f.plan.Member(bruno.PeerID); !mem.HasRole(doc.RoleAdmin) {
		t.Fatalf("bruno's roles %v", mem.Roles)
	}
	if m.banner.Visible() {
		t.Error("the warning stays with two administrators")
	}
	if err := f.plan.Commit(); err != nil { // the fixture's clock leaves commits to edits
		t.Fatal(err)
	}
	f.ui.ws.drain()
	if it := membersRow(); it.sub != "" {
		t.Errorf("with two administrators the Members row still says %q", it.sub)
	}
}

func walkText(root fyne.CanvasObject, s string) bool {
	found := false
	walk(root, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, s) {
			found = true
		}
	})
	return found
}

// forkAs is a copy of p opened on another device.
func forkAs(t *testing.T, p *doc.Plan, a doc.Author) *doc.Plan {
	t.Helper()
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	q, err := doc.LoadPlan(saved, a)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// mergeIntoWindow merges q into the window's plan and lets the window see it.
func mergeIntoWindow(t *testing.T, f *fixture, q *doc.Plan) {
	t.Helper()
	saved, err := q.Save()
	if err != nil {
		t.Fatal(err)
	}
	mergeBytes(t, f, saved)
}

func mergeBytes(t *testing.T, f *fixture, saved []byte) {
	t.Helper()
	if _, err := f.plan.Merge(saved); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain()
	if m, ok := f.ui.ws.current.(*membersScreen); ok {
		m.load()
	}
}

// A grant Bruno forges in a copy of the plan, through automerge-go under
// his own actor, and that reaches Ana's window by a merge, is listed as
// refused, with what it claimed and who wrote it; it changes nothing.
func TestForgedStatementListedAsRefused(t *testing.T) {
	f := newFixture(t)
	m := f.members(t)
	if m.refusedBox.Visible() {
		t.Fatal("a plan with no refused statement shows the section")
	}
	brunoCopy := forkAs(t, f.plan, bruno)
	st, err := brunoCopy.Authority()
	if err != nil {
		t.Fatal(err)
	}
	dev, _ := authority.DeviceOfKey(bruno.Key)
	body := authority.NewGrantRole(dev, authority.RoleAdmin)
	raw, err := authority.Sign(bruno.Key, f.plan.ID(), st.LinksFor(dev, body.Kind()), time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := brunoCopy.Save()
	d, err := am.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := d.RootMap().Get("statements")
	if err := stmts.Map().Set(authority.StatementID(raw).String(), raw); err != nil {
		t.Fatal(err)
	}
	forgedChange, err := d.Commit("Give Bruno Mensah the administrator role")
	if err != nil {
		t.Fatal(err)
	}
	// This device's sync recorded that Bruno's laptop delivered it.
	f.ui.cfg.Sync = deliveringSync{f.sync, map[string]string{forgedChange.String(): bruno.PeerID}}
	mergeBytes(t, f, d.Save())

	if mem, _ := f.plan.Member(bruno.PeerID); mem.HasRole(doc.RoleAdmin) {
		t.Fatal("the forged grant counts")
	}
	if !m.refusedBox.Visible() || m.refusedN != 1 || m.refusedSc.Visible() {
		t.Fatalf("refused section shown %v with %d statements, unfolded %v", m.refusedBox.Visible(), m.refusedN, m.refusedSc.Visible())
	}
	if !walkText(m.refusedBox, "Refused statements (1)") || !walkText(m.refusedBox, "1 signed statement in the plan counts for nothing") {
		t.Error("the section does not say how many statements were refused")
	}
	test.Tap(m.refusedToggle)
	if !m.refusedSc.Visible() || m.refusedToggle.Text != "Hide them" {
		t.Fatal("Show them did not unfold the list")
	}
	for _, want := range []string{"Give Bruno Mensah the administrator role — claimed signer Bruno Mensah",
		"A grant role statement, written into the plan by an unknown device", "it reached this laptop from Bruno Mensah",
		"Refused: signer lacks the authority"} {
		if !walkText(m.refused, want) {
			t.Errorf("the refused list does not say %q", want)
		}
	}
	if !m.banner.Visible() {
		t.Error("the forged grant hid the one-administrator warning")
	}
}

// joiner is a device that joins by invite, its key derived from its name.
func joiner(name, org string, side doc.Side) doc.Author { return keyedAuthor(name, org, side) }

func redeem(t *testing.T, p *doc.Plan, who doc.Author, vouchName string) {
	t.Helper()
	inv, err := p.CreateInvite(time.Now().Add(time.Hour), vouchName, orIf(vouchName != "", who.Org), sideIf(vouchName != "", who.Side))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := doc.SignRedemption(who.Key, p.ID(), inv, who.Name, who.Org, who.Side, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddStatement(raw); err != nil {
		t.Fatal(err)
	}
}

func orIf(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

func sideIf(ok bool, s doc.Side) doc.Side {
	if ok {
		return s
	}
	return ""
}

func TestVerifiedAndClaimedLabels(t *testing.T) {
	f := newFixture(t)
	chidi := joiner("Chidi Okafor", "Citizens' Voice", doc.CivilSociety)
	dina := joiner("Dina Haddad", "Ministry of Finance", doc.Government)
	redeem(t, f.plan, chidi, "") // joins on Ana's invite, claiming who he is
	brunoCopy := forkAs(t, f.plan, bruno)
	redeem(t, brunoCopy, dina, dina.Name) // Bruno names Dina in his invite
	m := f.members(t)
	mergeIntoWindow(t, f, brunoCopy)

	cells := func(peer string) []string {
		for i, mem := range m.members {
			if mem.PeerID == peer {
				row := m.list.CreateItem()
				m.updateRow(i, row)
				var out []string
				for _, o := range row.(*fyne.Container).Objects {
					out = append(out, o.(*widget.Label).Text)
				}
				return out
			}
		}
		t.Fatalf("%s not listed", peer)
		return nil
	}
	for _, tc := range []struct {
		name, peer, cell, detail string
	}{
		{"founder", ana.PeerID, "Confirmed", "Verified: founded the plan."},
		{"added by an administrator", bruno.PeerID, "Confirmed", "Verified: name, organisation and side confirmed by an administrator (you)."},
		{"joined on a plain invite", chidi.PeerID, "Their claim", "the joiner's own claim: nobody has confirmed them yet"},
		{"vouched by the inviter", dina.PeerID, "Vouched", "Vouched for by Bruno Mensah, who invited them. No administrator has confirmed it yet."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c := cells(tc.peer); c[3] != tc.cell {
				t.Errorf("table says %q, want %q", c[3], tc.cell)
			}
			selectMember(t, m, tc.peer)
			if !strings.Contains(m.standing.Text, tc.detail) {
				t.Errorf("panel says %q, want %q", m.standing.Text, tc.detail)
			}
		})
	}
	if !strings.Contains(m.summary.Text, "2 not yet confirmed") {
		t.Errorf("summary %q", m.summary.Text)
	}
	t.Run("an administrator confirms a claim", func(t *testing.T) {
		selectMember(t, m, chidi.PeerID)
		if !shown(m, m.confirm) {
			t.Fatal("Confirm is not offered for a claimed member")
		}
		test.Tap(m.confirm)
		test.Tap(findButton(t, f.ui.win.Canvas().Overlays().Top(), "Confirm"))
		if mem, _ := f.plan.Member(chidi.PeerID); mem.Status != "confirmed" {
			t.Fatalf("status %q after confirming", mem.Status)
		}
		if !strings.HasPrefix(m.standing.Text, "Verified") || shown(m, m.confirm) {
			t.Errorf("panel after confirming: %q, confirm offered %v", m.standing.Text, shown(m, m.confirm))
		}
	})
	t.Run("devices", func(t *testing.T) {
		selectMember(t, m, bruno.PeerID)
		if !strings.Contains(m.devices.Text, "1 device: device "+shortID(bruno.PeerID)+" (connected now)") {
			t.Errorf("devices %q", m.devices.Text)
		}
		selectMember(t, m, ana.PeerID)
		if m.devices.Text != "1 device: this laptop" {
			t.Errorf("own devices %q", m.devices.Text)
		}
	})
}

func TestEndorseOfferedToCoChairsOnly(t *testing.T) {
	f := newFixture(t)
	if err := f.plan.SetEndorsementsRequired(true); err != nil {
		t.Fatal(err)
	}
	r := f.releases(t)
	if r.endorse.Visible() {
		t.Error("Endorse is offered to a device whose member is not a co-chair")
	}
	if err := f.plan.SetMemberRole(ana.PeerID, doc.RoleCoChair, true); err != nil {
		t.Fatal(err)
	}
	r.load()
	if !r.endorse.Visible() {
		t.Error("Endorse is not offered to a co-chair's device")
	}
}

// deliveringSync is the fake sync with a record of who delivered which
// change, as the real node keeps.
type deliveringSync struct {
	*fakeSync
	by map[string]string
}

func (d deliveringSync) DeliveredBy(string) (map[string]string, error) { return d.by, nil }

func TestRevokeKeyOfferedOnlyWhereAllowed(t *testing.T) {
	path, _ := keyFile(t, "ana", "")
	t.Run("own key", func(t *testing.T) {
		f := newFixture(t)
		if err := f.plan.AddMemberKey(ana.PeerID, loadKey(t, path)); err != nil {
			t.Fatal(err)
		}
		m := f.members(t)
		selectMember(t, m, ana.PeerID)
		if len(m.revokes) != 1 || !shown(m, m.revokes[0]) {
			t.Fatalf("revoke buttons %d for this device's own key", len(m.revokes))
		}
		test.Tap(m.revokes[0])
		test.Tap(findButton(t, f.ui.win.Canvas().Overlays().Top(), "Revoke"))
		if mem, _ := f.plan.Member(ana.PeerID); len(mem.Keys) != 0 {
			t.Errorf("keys after revoking %q", mem.Keys)
		}
		if len(m.revokes) != 0 || !strings.Contains(m.keys.Text, "none registered") {
			t.Errorf("panel after revoking: %d revoke buttons, %q", len(m.revokes), m.keys.Text)
		}
	})
	t.Run("another member's key, as a plain member", func(t *testing.T) {
		f := newFixtureAs(t, bruno)
		other := forkAs(t, f.plan, ana)
		if err := other.AddMemberKey(ana.PeerID, loadKey(t, path)); err != nil {
			t.Fatal(err)
		}
		mergeIntoWindow(t, f, other)
		m := f.members(t)
		selectMember(t, m, ana.PeerID)
		if len(m.revokes) != 0 || !strings.Contains(m.keys.Text, "SHA256:") {
			t.Errorf("%d revoke buttons on another member's key; keys %q", len(m.revokes), m.keys.Text)
		}
	})
}

// Start and End meeting are offered only to a device that may use them:
// the founder (an administrator) starts and ends; Bruno, a plain member,
// sees the meeting Ana started but neither item nor the banner's End.
func TestMeetingControlsOnlyForThoseWhoMayUseThem(t *testing.T) {
	t.Run("administrator", func(t *testing.T) {
		f := newFixture(t)
		if f.ui.startItem.Disabled || !f.ui.endItem.Disabled {
			t.Fatalf("no meeting: start disabled %v, end disabled %v", f.ui.startItem.Disabled, f.ui.endItem.Disabled)
		}
		if _, err := f.plan.StartMeeting("Forum 6", nil); err != nil {
			t.Fatal(err)
		}
		f.ui.ws.drain()
		f.ui.ws.meeting.refresh()
		if !f.ui.ws.meeting.box.Visible() || !f.ui.ws.meeting.end.Visible() || f.ui.endItem.Disabled {
			t.Errorf("an administrator's window: banner %v, End %v, End item disabled %v",
				f.ui.ws.meeting.box.Visible(), f.ui.ws.meeting.end.Visible(), f.ui.endItem.Disabled)
		}
	})
	t.Run("member", func(t *testing.T) {
		f := newFixtureAs(t, bruno)
		if !f.ui.startItem.Disabled || !f.ui.endItem.Disabled {
			t.Errorf("a plain member is offered Start (%v) or End (%v) meeting", !f.ui.startItem.Disabled, !f.ui.endItem.Disabled)
		}
		q := forkAs(t, f.plan, ana)
		if _, err := q.StartMeeting("Forum 6", nil); err != nil {
			t.Fatal(err)
		}
		mergeIntoWindow(t, f, q)
		f.ui.ws.meeting.refresh()
		if !f.ui.ws.meeting.box.Visible() {
			t.Fatal("the meeting Ana started is not shown")
		}
		if f.ui.ws.meeting.end.Visible() || !f.ui.endItem.Disabled {
			t.Errorf("a plain member is offered End meeting: button %v, item enabled %v", f.ui.ws.meeting.end.Visible(), !f.ui.endItem.Disabled)
		}
		// Made a co-chair, Bruno may end it.
		must(t, q.SetMemberRole(bruno.PeerID, doc.RoleCoChair, true))
		mergeIntoWindow(t, f, q)
		f.ui.ws.meeting.refresh()
		if !f.ui.ws.meeting.end.Visible() || f.ui.endItem.Disabled || f.ui.startItem.Disabled {
			t.Errorf("a co-chair is not offered End (%v, item %v) or Start (%v)", f.ui.ws.meeting.end.Visible(), !f.ui.endItem.Disabled, !f.ui.startItem.Disabled)
		}
	})
}

// A member's further device (a replaced laptop) can be unlinked from the
// Members screen by an administrator or by the member's own device; another
// plain member is not offered it.
func TestUnlinkDeviceControl(t *testing.T) {
	laptop2 := keyedAuthor("Bruno's second laptop", "", doc.Government)
	f := newFixture(t) // Ana, an administrator
	must(t, f.plan.LinkDevice(laptop2.PeerID, bruno.PeerID))
	m := f.members(t)
	selectMember(t, m, bruno.PeerID)
	if len(m.unlinks) != 1 || !strings.Contains(m.unlinks[0].Text, shortID(laptop2.PeerID)) {
		t.Fatalf("unlink controls %d for Bruno's two devices", len(m.unlinks))
	}
	test.Tap(m.unlinks[0])
	tapTop(t, f, "Unlink")
	mem, _ := f.plan.Member(bruno.PeerID)
	if len(mem.Devices) != 1 || mem.Devices[0] != bruno.PeerID || mem.Removed {
		t.Fatalf("after unlinking: devices %q, removed %v", mem.Devices, mem.Removed)
	}
	if len(m.unlinks) != 0 {
		t.Error("an unlink control is still offered for a member's only device")
	}

	// Bruno's own window offers it on his record; Chidi's does not.
	chidi := joiner("Chidi Okafor", "Citizens' Voice", doc.CivilSociety)
	for _, c := range []struct {
		who  doc.Author
		want int
	}{{bruno, 1}, {chidi, 0}} {
		g := newFixtureAs(t, c.who)
		q := forkAs(t, g.plan, ana)
		redeem(t, q, chidi, "")
		must(t, q.LinkDevice(laptop2.PeerID, bruno.PeerID))
		mergeIntoWindow(t, g, q)
		gm := g.members(t)
		selectMember(t, gm, bruno.PeerID)
		if len(gm.unlinks) != c.want {
			t.Errorf("%s's window offers %d unlink controls on Bruno's second laptop, want %d", c.who.Name, len(gm.unlinks), c.want)
		}
	}
}
