package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

// membersScreen lists the plan's members as the signed statements
// establish them: organisation, side, whether that is verified or only
// claimed, roles and devices, who is connected now; invites and joins.
// Controls that change members appear only where this device may use them
// (doc.Plan.Actions asks the authority rules); otherwise the same facts
// are read-only text.
type membersScreen struct {
	ws      *workspace
	members []doc.Member
	peers   map[string]PeerStatus
	list    *widget.List
	summary *widget.Label
	invite  *widget.Button
	join    *widget.Button

	// Fewer than two administrators: the warning and its fix.
	banner      *fyne.Container
	bannerText  *widget.Label
	makeAdmin   *widget.Button
	adminDialog dialog.Dialog

	// Invite and sign-off settings: checks for an administrator, text for
	// everyone else.
	settings      *fyne.Container
	membersInvite *widget.Check
	endorsements  *widget.Check
	settingsText  *widget.Label

	// The selected member's panel: standing, devices, roles, keys, removal.
	selected      string
	root          *fyne.Container
	detail        *fyne.Container
	who           *widget.Label
	standing      *widget.Label
	devices       *widget.Label
	unlinks       []*widget.Button // one per further device this device may unlink
	roles         *widget.Label
	admin         *widget.Check
	minister      *widget.Check
	cochair       *widget.Check
	confirm       *widget.Button
	keys          *widget.Label
	addKey        *widget.Button
	keyPass       *widget.Entry // the passphrase asked for while registering a key
	keyConfirm    func()        // registers the key with keyPass's passphrase
	revokes       []*widget.Button
	remove        *widget.Button
	readOnly      *widget.Label
	rolesLater    *widget.Label
	actions       doc.MemberActions
	quiet         bool
	refused       *fyne.Container
	refusedSc     *container.Scroll
	refusedBox    *fyne.Container
	refusedHead   *widget.Label
	refusedIntro  *widget.Label
	refusedToggle *widget.Button
	refusedOpen   bool
	refusedN      int
}

func newMembersScreen(ws *workspace) *membersScreen { return &membersScreen{ws: ws} }

var memberColumns = []float32{0.55, 0.45, 0, 0, 0}

// memberCols lays out the members table: the side, standing and
// connection columns as wide as their longest words (never "Governm…"),
// name and organisation sharing the rest.
func memberCols() *columns {
	widest := func(ss ...string) float32 {
		w := float32(0)
		for _, s := range ss {
			w = max(w, widget.NewLabel(s).MinSize().Width)
		}
		return w
	}
	side := widest("Side", sideLabel(doc.Government), sideLabel(doc.CivilSociety), sideLabel(""))
	standing := widest("Identity", "Confirmed", "Vouched", "Their claim")
	conn := widest("Connection", "Connected now", "This laptop", "Not seen yet", "Sync unavailable", "Last seen 59 min ago", "Last seen 28 Dec 23:59")
	return &columns{widths: memberColumns, fixed: []float32{0, 0, side, standing, conn}}
}

func (m *membersScreen) buildUI() fyne.CanvasObject {
	heading := subHeading("Members and peers")
	m.summary = widget.NewLabel("")
	m.summary.Wrapping = fyne.TextWrapWord
	m.invite = widget.NewButtonWithIcon("Invite a colleague", theme.MailSendIcon(), m.ws.ui.showInvite)
	m.invite.Importance = widget.HighImportance
	m.join = widget.NewButtonWithIcon("Join with a code", theme.LoginIcon(), m.ws.ui.joinDialog)
	actions := container.NewHBox(m.invite, m.join)
	if m.ws.ui.cfg.Sync == nil {
		actions.Hide() // the summary says why
	}
	m.membersInvite = widget.NewCheck("Members may invite colleagues", func(on bool) {
		if !m.quiet {
			m.apply(m.ws.plan.SetAdminsOnlyInvite(!on))
		}
	})
	m.endorsements = widget.NewCheck("Both co-chairs endorse a version before the minister signs", func(on bool) {
		if !m.quiet {
			m.apply(m.ws.plan.SetEndorsementsRequired(on))
		}
	})
	m.settingsText = widget.NewLabel("")
	m.settingsText.Wrapping = fyne.TextWrapWord
	m.settingsText.Importance = widget.LowImportance
	m.settings = container.NewVBox(container.NewHBox(m.membersInvite, m.endorsements), m.settingsText)
	cols := memberCols()
	head := container.New(cols)
	for _, h := range []string{"Name", "Organisation", "Side", "Identity", "Connection"} {
		head.Add(sectionLabel(h))
	}
	m.list = widget.NewList(func() int { return len(m.members) }, func() fyne.CanvasObject {
		cells := container.New(cols)
		for range memberColumns {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			cells.Add(l)
		}
		return cells
	}, m.updateRow)
	m.list.OnSelected = func(i widget.ListItemID) {
		if i < len(m.members) {
			m.selected = m.members[i].PeerID
			m.showDetail()
		}
	}
	m.detail = m.buildDetail()
	refused := m.buildRefused()
	top := container.NewVBox(heading, m.summary, m.adminBanner(), actions, m.settings, widget.NewSeparator(), head)
	// The table and the selected member's panel share the height; the
	// divider moves, and each part scrolls.
	split := container.NewVSplit(m.list, container.NewVScroll(container.NewVBox(m.detail, refused)))
	split.Offset = 0.45
	m.root = container.NewBorder(top, nil, nil, nil, split)
	m.load()
	return m.root
}

func (m *membersScreen) buildDetail() *fyne.Container {
	m.who = widget.NewLabel("")
	m.who.TextStyle = fyne.TextStyle{Bold: true}
	m.who.Truncation = fyne.TextTruncateEllipsis
	m.standing = widget.NewLabel("")
	m.standing.Wrapping = fyne.TextWrapWord
	m.devices = widget.NewLabel("")
	m.devices.Wrapping = fyne.TextWrapWord
	m.roles = widget.NewLabel("")
	m.roles.Wrapping = fyne.TextWrapWord
	m.admin = widget.NewCheck("Administrator (manages members)", func(on bool) { m.setRole(doc.RoleAdmin, on) })
	m.minister = widget.NewCheck("Minister (signs releases)", func(on bool) { m.setRole(doc.RoleMinister, on) })
	m.cochair = widget.NewCheck("Co-chair (endorses)", func(on bool) { m.setRole(doc.RoleCoChair, on) })
	m.confirm = widget.NewButtonWithIcon("Confirm who they are…", theme.ConfirmIcon(), m.askConfirm)
	m.keys = widget.NewLabel("")
	m.keys.Wrapping = fyne.TextWrapBreak
	m.addKey = widget.NewButtonWithIcon("Register signing key…", theme.ContentAddIcon(), m.pickKey)
	m.remove = widget.NewButtonWithIcon("Remove from plan…", theme.DeleteIcon(), m.confirmRemove)
	m.remove.Importance = widget.DangerImportance
	m.readOnly = widget.NewLabel("Read only: this laptop's member cannot change this member's roles, keys or membership.")
	m.readOnly.Importance = widget.LowImportance
	m.readOnly.Wrapping = fyne.TextWrapWord
	m.rolesLater = widget.NewLabel("Roles can be given once you have confirmed who they are.")
	m.rolesLater.Importance = widget.LowImportance
	m.rolesLater.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel("Select a member to see how they are verified, their devices, roles and signing keys.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	c := container.NewVBox(widget.NewSeparator(), hint)
	return c
}

// showDetail shows the selected member's standing, devices, roles and keys,
// with the controls this device may use.
func (m *membersScreen) showDetail() {
	mem, ok := m.ws.plan.Member(m.selected)
	if !ok {
		return
	}
	act := m.ws.plan.Actions(mem.PeerID)
	m.actions = act
	name := orDefault(mem.Name, "Unnamed device "+shortID(mem.PeerID))
	who := fmt.Sprintf("%s · %s · %s", name, orDefault(mem.Org, "no organisation"), sideLabel(mem.Side))
	if mem.Removed {
		who += " · removed"
	}
	m.who.SetText(who)
	m.standing.SetText(m.ws.statusWords(mem))
	if mem.Status == "confirmed" {
		m.standing.Importance = widget.SuccessImportance
	} else {
		m.standing.Importance = widget.WarningImportance
	}
	m.standing.Refresh()
	m.devices.SetText(m.deviceWords(mem))
	m.roles.SetText("Roles: " + roleWords(mem.Roles) + ".")

	m.quiet = true
	for _, rc := range []struct {
		c    *widget.Check
		role string
	}{{m.admin, doc.RoleAdmin}, {m.minister, doc.RoleMinister}, {m.cochair, doc.RoleCoChair}} {
		rc.c.SetChecked(mem.HasRole(rc.role))
		if act.Grant[rc.role] || act.Take[rc.role] {
			rc.c.Enable()
			rc.c.Show()
		} else {
			rc.c.Disable()
			rc.c.Hide()
		}
	}
	m.quiet = false
	showIf(m.confirm, act.Confirm)
	showIf(m.addKey, act.RegisterKey)
	showIf(m.remove, act.Remove && mem.PeerID != m.ws.ui.cfg.Author.PeerID)

	var keys []string
	m.revokes = nil
	var revokeRow []fyne.CanvasObject
	for _, k := range mem.Keys {
		pub, comment, err := release.ParsePublicKey([]byte(k))
		if err != nil {
			continue
		}
		fp := release.Fingerprint(pub)
		keys = append(keys, strings.TrimSpace(fp+" "+comment))
		if act.RevokeKey[fp] {
			b := widget.NewButtonWithIcon("Revoke "+shortFingerprint(fp)+"…", theme.CancelIcon(), func() { m.confirmRevoke(fp) })
			m.revokes = append(m.revokes, b)
			revokeRow = append(revokeRow, b)
		}
	}
	m.unlinks = nil
	for _, d := range mem.Devices {
		if act.Unlink[d] && d != m.ws.ui.cfg.Author.PeerID {
			b := widget.NewButtonWithIcon("Unlink device "+shortID(d)+"…", theme.ContentRemoveIcon(), func() { m.confirmUnlink(mem, d) })
			m.unlinks = append(m.unlinks, b)
			revokeRow = append(revokeRow, b)
		}
	}
	if len(keys) == 0 {
		m.keys.SetText("Signing keys: none registered")
	} else {
		m.keys.SetText("Signing keys: " + strings.Join(keys, ", "))
	}
	objs := []fyne.CanvasObject{widget.NewSeparator(), m.who, m.standing, container.NewGridWithColumns(2, m.roles, m.devices)}
	if !mem.Removed && (act.Grant[doc.RoleAdmin] || act.Take[doc.RoleAdmin] || act.Grant[doc.RoleMinister] || act.Take[doc.RoleMinister] ||
		act.Grant[doc.RoleCoChair] || act.Take[doc.RoleCoChair]) {
		objs = append(objs, container.NewHBox(m.admin, m.minister, m.cochair))
	}
	buttons := container.NewHBox(append(revokeRow, m.confirm, m.addKey, m.remove)...)
	objs = append(objs, container.NewBorder(nil, nil, nil, buttons, m.keys))
	if !act.Any() {
		objs = append(objs, m.readOnly)
	} else if act.Confirm && len(act.Grant) == 0 && len(act.Take) == 0 {
		objs = append(objs, m.rolesLater)
	}
	m.detail.Objects = objs
	m.root.Refresh() // the panel's height changed
}

func showIf(w interface {
	fyne.Widget
	fyne.Disableable
}, on bool) {
	if on {
		w.Enable()
		w.Show()
	} else {
		w.Disable()
		w.Hide()
	}
}

func shortFingerprint(fp string) string {
	if len(fp) > 15 {
		return fp[:15] + "…"
	}
	return fp
}

// deviceWords lists a member's devices and how each is connected.
func (m *membersScreen) deviceWords(mem doc.Member) string {
	if mem.Removed {
		return "Devices: none (removed from the plan)"
	}
	var out []string
	for _, d := range mem.Devices {
		if d == m.ws.ui.cfg.Author.PeerID {
			out = append(out, "this laptop")
			continue
		}
		out = append(out, fmt.Sprintf("device %s (%s)", shortID(d), strings.ToLower(m.deviceConnection(d))))
	}
	if len(out) == 0 {
		return "Devices: none"
	}
	return fmt.Sprintf("%s: %s", capital(plural(len(out), "device")), strings.Join(out, "; "))
}

// apply shows err, if any, and reads the plan again.
func (m *membersScreen) apply(err error) {
	if err != nil {
		m.ws.errorf(err)
	}
	m.load()
}

// askConfirm confirms (or corrects) a joiner's claimed name, organisation
// and side.
func (m *membersScreen) askConfirm() {
	mem, ok := m.ws.plan.Member(m.selected)
	if !ok {
		return
	}
	name, org := widget.NewEntry(), widget.NewEntry()
	name.SetText(mem.Name)
	org.SetText(mem.Org)
	sides := []string{sideLabel(doc.Government), sideLabel(doc.CivilSociety)}
	side := widget.NewSelect(sides, nil)
	if mem.Side == doc.CivilSociety {
		side.SetSelectedIndex(1)
	} else if mem.Side == doc.Government {
		side.SetSelectedIndex(0)
	}
	msg := widget.NewLabel("Confirm what this member claimed about themselves, or correct it. Every member then sees it as verified by you.")
	msg.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem("Name", name), widget.NewFormItem("Organisation", org), widget.NewFormItem("Side", side))
	d := dialog.NewCustomConfirm("Confirm member", "Confirm", "Cancel", container.NewVBox(msg, form), func(ok bool) {
		if !ok {
			return
		}
		s := doc.Government
		if side.SelectedIndex() == 1 {
			s = doc.CivilSociety
		}
		m.apply(m.ws.plan.AddMember(doc.Member{PeerID: mem.PeerID, Name: name.Text, Org: org.Text, Side: s}))
	}, m.ws.ui.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

// confirmRevoke asks before revoking a signing key.
// confirmUnlink asks, then unlinks one of a member's further devices (a
// lost or replaced laptop): every peer refuses it from then on.
func (m *membersScreen) confirmUnlink(mem doc.Member, device string) {
	name := orDefault(mem.Name, "this member")
	d := dialog.NewConfirm("Unlink device?", fmt.Sprintf("Unlink device %s from %s? Every peer refuses it from then on; %s keeps the other devices. What it wrote stays in the plan.", shortID(device), name, name), func(ok bool) {
		if ok {
			m.apply(m.ws.plan.RemoveMember(device))
		}
	}, m.ws.ui.win)
	d.SetConfirmText("Unlink")
	d.SetDismissText("Cancel")
	d.Show()
}

func (m *membersScreen) confirmRevoke(fp string) {
	d := dialog.NewConfirm("Revoke signing key?", fmt.Sprintf("Revoke the key %s? Releases signed with it before stay valid; nothing new can be signed with it.", fp), func(ok bool) {
		if ok {
			m.apply(m.ws.plan.RevokeMemberKey(fp))
		}
	}, m.ws.ui.win)
	d.SetConfirmText("Revoke")
	d.SetDismissText("Cancel")
	d.Show()
}

func (m *membersScreen) setRole(role string, on bool) {
	if m.quiet || m.selected == "" {
		return
	}
	if err := m.ws.plan.SetMemberRole(m.selected, role, on); err != nil {
		m.ws.errorf(err)
	}
	m.load()
}

// keyPrompt says what the register-key control asks for, and why.
const keyPrompt = "Choose your private signing key file: the one without .pub, for example ~/.ssh/id_ed25519 or the key coplan key new made. " +
	"Coplan signs a short proof with it that the key is yours, so nobody else can register your published key; the private key stays on this laptop. " +
	"A .pub file works too when ssh-agent holds the key or its private key is beside it."

// pickKey asks, in words, for the private key file, then opens it.
func (m *membersScreen) pickKey() {
	msg := widget.NewLabel(keyPrompt)
	msg.Wrapping = fyne.TextWrapWord
	ask := dialog.NewCustomConfirm("Register your signing key", "Choose private key file…", "Cancel", msg, func(ok bool) {
		if ok {
			m.openKeyFile()
		}
	}, m.ws.ui.win)
	ask.Resize(fyne.NewSize(460, 0))
	ask.Show()
}

// openKeyFile asks for the private key file, starting in ~/.ssh.
func (m *membersScreen) openKeyFile() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			m.ws.errorf(err)
			return
		}
		if rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		m.registerKey(path)
	}, m.ws.ui.win)
	d.SetTitleText("Choose your private signing key")
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := listerFor(filepath.Join(home, ".ssh")); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// registerKey registers the signing key in the file at path (a private
// key, or FILE.pub held by ssh-agent or with its private key beside it) to
// the selected member, asking for its passphrase when it has one.
func (m *membersScreen) registerKey(path string) { m.registerKeyWith(path, nil) }

// askKeyPassphrase asks for the passphrase of the key at path, then
// registers it.
func (m *membersScreen) askKeyPassphrase(path string) {
	m.keyPass = widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem("Key", widget.NewLabel(filepath.Base(path))), widget.NewFormItem("Passphrase", m.keyPass)}
	m.keyConfirm = func() {
		pass := []byte(m.keyPass.Text)
		m.registerKeyWith(path, func() ([]byte, error) { return pass, nil })
	}
	d := dialog.NewForm("Register your signing key", "Register", "Cancel", items, func(ok bool) {
		if ok {
			m.keyConfirm()
		}
	}, m.ws.ui.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

// registerKeyWith reads the key and registers it off the UI thread: an
// encrypted key's KDF and a slow ssh-agent take a moment each.
func (m *membersScreen) registerKeyWith(path string, pass func() ([]byte, error)) {
	p, who := m.ws.plan, m.selected
	needPass := false
	m.ws.ui.runTask("Registering your signing key", "Reading "+filepath.Base(path)+" and signing the registration…", false, func(*task) error {
		s, closeKey, err := release.LoadKeySigner(path, pass)
		if errors.Is(err, release.ErrNeedPassphrase) {
			needPass = true
			return nil
		}
		if err != nil {
			return registerKeyError(path, err)
		}
		defer closeKey()
		return p.AddMemberKey(who, s)
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			m.ws.errorf(err)
		case needPass:
			m.askKeyPassphrase(path)
		default:
			m.load()
		}
	})
}

// registerKeyError says in words why the key at path cannot be registered.
func registerKeyError(path string, err error) error {
	switch {
	case errors.Is(err, release.ErrWrongPassphrase):
		return errors.New("wrong passphrase for the key")
	case errors.Is(err, release.ErrNoPrivateKey):
		return fmt.Errorf("registering a key needs its private key, to prove the key is yours: %w", err)
	case errors.Is(err, os.ErrNotExist):
		return err
	}
	return fmt.Errorf("%s is not an OpenSSH signing key you hold (choose your private key file, e.g. id_ed25519): %w", filepath.Base(path), err)
}

func (m *membersScreen) confirmRemove() {
	mem, ok := m.ws.plan.Member(m.selected)
	if !ok {
		return
	}
	if mem.PeerID == m.ws.ui.cfg.Author.PeerID {
		m.ws.errorf(errors.New("you cannot remove this laptop from the plan: ask another member to do it"))
		return
	}
	d := dialog.NewConfirm("Remove member?", fmt.Sprintf("Remove %s (%s) from the plan? Every peer that sees this refuses their laptop from then on. Their past edits stay in the history.",
		orDefault(mem.Name, shortID(mem.PeerID)), orDefault(mem.Org, sideLabel(mem.Side))), func(ok bool) {
		if !ok {
			return
		}
		if err := m.ws.plan.RemoveMember(mem.PeerID); err != nil {
			m.ws.errorf(err)
			return
		}
		m.load()
	}, m.ws.ui.win)
	d.SetConfirmText("Remove")
	d.SetDismissText("Cancel")
	d.Show()
}

func (m *membersScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	mem := m.members[i]
	c := o.(*fyne.Container)
	name := mem.Name
	if name == "" {
		name = "Unnamed device " + shortID(mem.PeerID)
	}
	if mem.PeerID == m.ws.ui.cfg.Author.PeerID {
		name += " (you)"
	}
	if len(mem.Roles) > 0 {
		name += " · " + strings.Join(mem.Roles, ", ")
	}
	cells := []string{name, orDefault(mem.Org, "—"), sideLabel(mem.Side), statusShort(mem), m.connection(mem)}
	for j, s := range cells {
		l := c.Objects[j].(*widget.Label)
		l.SetText(s)
		switch {
		case mem.Removed:
			l.Importance = widget.LowImportance
		case j == 3 && mem.Status != "confirmed":
			l.Importance = widget.WarningImportance
		case j == 4 && strings.HasPrefix(s, "Connected"):
			l.Importance = widget.SuccessImportance
		default:
			l.Importance = widget.MediumImportance
		}
		l.Refresh()
	}
}

// connection is how the member's best-connected device is reached.
func (m *membersScreen) connection(mem doc.Member) string {
	if mem.Removed {
		return "Removed"
	}
	devs := mem.Devices
	if len(devs) == 0 {
		devs = []string{mem.PeerID}
	}
	if slices.Contains(devs, m.ws.ui.cfg.Author.PeerID) {
		return "This laptop"
	}
	if m.ws.ui.cfg.Sync == nil {
		return "Sync unavailable"
	}
	best, rank := "Not seen yet", 0
	for _, d := range devs {
		s := m.deviceConnection(d)
		r := 1
		switch {
		case s == "Connected now":
			r = 4
		case strings.HasPrefix(s, "Last synced"):
			r = 3
		case strings.HasPrefix(s, "Last seen"):
			r = 2
		}
		if r > rank {
			best, rank = s, r
		}
	}
	return best
}

// deviceConnection is how one device is reached.
func (m *membersScreen) deviceConnection(peerID string) string {
	if m.ws.ui.cfg.Sync == nil {
		return "Sync unavailable"
	}
	ps, ok := m.peers[peerID]
	switch {
	case ok && ps.Problem != "":
		return "Cannot sync: " + ps.Problem
	case ok && ps.Connected:
		return "Connected now"
	case ok && !ps.LastSynced.IsZero():
		return "Last synced " + ago(ps.LastSynced, now())
	case ok && !ps.LastSeen.IsZero():
		return "Last seen " + ago(ps.LastSeen, now())
	}
	return "Not seen yet"
}

func shortID(id string) string {
	if len(id) > 10 {
		return id[len(id)-6:]
	}
	return id
}

func (m *membersScreen) load() {
	p := m.ws.plan
	m.members = p.Members()
	m.peers = map[string]PeerStatus{}
	connected := 0
	if svc := m.ws.ui.cfg.Sync; svc != nil {
		for _, ps := range svc.Peers(p.ID()) {
			m.peers[ps.PeerID] = ps
			if ps.Connected {
				connected++
			}
		}
	}
	gov, cs, claimed := 0, 0, 0
	for _, mem := range m.members {
		if mem.Removed {
			continue
		}
		if mem.Side == doc.Government {
			gov++
		} else if mem.Side == doc.CivilSociety {
			cs++
		}
		if mem.Status != "confirmed" {
			claimed++
		}
	}
	txt := fmt.Sprintf("%s: %d government, %d civil society.", plural(gov+cs, "member"), gov, cs)
	if claimed > 0 {
		txt += fmt.Sprintf(" %d not yet confirmed by an administrator.", claimed)
	}
	pa := p.PlanActions()
	switch {
	case m.ws.ui.cfg.Sync == nil:
		txt += " Peer sync is not available in this build, so invites are off; share .coplan files instead."
	default:
		txt += fmt.Sprintf(" %d connected now.", connected)
	}
	m.summary.SetText(txt)
	showIf(m.invite, pa.Invite)

	set := p.Settings()
	m.quiet = true
	m.membersInvite.SetChecked(!set.AdminsOnlyInvite)
	m.endorsements.SetChecked(set.EndorsementsRequired)
	m.quiet = false
	showIf(m.membersInvite, pa.ChangeSettings)
	showIf(m.endorsements, pa.ChangeSettings)
	var words []string
	if !pa.ChangeSettings {
		if set.AdminsOnlyInvite {
			words = append(words, "Only administrators may invite colleagues.")
		} else {
			words = append(words, "Any member may invite colleagues.")
		}
		if set.EndorsementsRequired {
			words = append(words, "Both co-chairs endorse a version before the minister signs it.")
		}
	}
	if !pa.Invite && m.ws.ui.cfg.Sync != nil {
		words = append(words, "This laptop's member cannot invite.")
	}
	m.settingsText.SetText(strings.Join(words, " "))
	if len(words) == 0 {
		m.settingsText.Hide()
	} else {
		m.settingsText.Show()
	}

	if admins := p.Admins(); len(admins) < 2 {
		m.bannerText.SetText(m.adminWarning(admins))
		showIf(m.makeAdmin, len(m.adminCandidates()) > 0)
		m.banner.Show()
	} else {
		m.banner.Hide()
	}
	m.showRefused(p.RefusedStatements())
	m.list.Refresh()
	if m.selected != "" {
		m.showDetail()
	}
}

// showRefused lists the refused statements under the table, if any: a
// warning line always, the statements themselves when asked for.
func (m *membersScreen) showRefused(list []doc.RefusedStatement) {
	m.refusedN = len(list)
	if len(list) == 0 {
		m.refusedBox.Hide()
		m.refused.Objects = nil
		return
	}
	m.refusedHead.SetText(fmt.Sprintf("Refused statements (%d)", len(list)))
	verb, they := "count", "They change"
	if len(list) == 1 {
		verb, they = "counts", "It changes"
	}
	m.refusedIntro.SetText(fmt.Sprintf("%s in the plan %s for nothing: forged, signed without the authority, or voided by a removal made at the same time. %s no member, role or key.",
		capital(plural(len(list), "signed statement")), verb, they))
	m.refused.Objects = m.ws.refusedView(list)
	m.refused.Refresh()
	if m.refusedOpen {
		m.refusedSc.Show()
		m.refusedToggle.SetText("Hide them")
	} else {
		m.refusedSc.Hide()
		m.refusedToggle.SetText("Show them")
	}
	m.refusedBox.Show()
}

// buildRefused is the refused statements section, folded at first.
func (m *membersScreen) buildRefused() fyne.CanvasObject {
	m.refused = container.NewVBox()
	m.refusedSc = container.NewVScroll(m.refused)
	m.refusedSc.SetMinSize(fyne.NewSize(0, 180))
	m.refusedHead = sectionLabel("Refused statements")
	m.refusedIntro = widget.NewLabel("")
	m.refusedIntro.Wrapping = fyne.TextWrapWord
	m.refusedIntro.Importance = widget.WarningImportance
	m.refusedToggle = widget.NewButton("Show them", func() {
		m.refusedOpen = !m.refusedOpen
		m.load()
		m.root.Refresh()
	})
	m.refusedToggle.Importance = widget.LowImportance
	m.refusedBox = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, m.refusedHead, m.refusedToggle), m.refusedIntro, m.refusedSc)
	m.refusedBox.Hide()
	return m.refusedBox
}

func (m *membersScreen) refresh(bool) { m.load() }
func (m *membersScreen) close()       {}
