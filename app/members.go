package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/release"
)

// membersScreen lists the plan's members with their organisation and side,
// who is connected now and when each was last seen; invites and joins.
type membersScreen struct {
	ws      *workspace
	members []doc.Member
	peers   map[string]PeerStatus
	list    *widget.List
	summary *widget.Label

	// The selected member's panel: roles, signing keys, removal.
	selected string
	root     *fyne.Container
	detail   *fyne.Container
	who      *widget.Label
	minister *widget.Check
	cochair  *widget.Check
	keys     *widget.Label
	addKey   *widget.Button
	remove   *widget.Button
	quiet    bool
}

func newMembersScreen(ws *workspace) *membersScreen { return &membersScreen{ws: ws} }

var memberColumns = []float32{0.55, 0.45, 0, 0}

// memberCols lays out the members table: the side and connection columns
// as wide as their longest words (never "Governm…"), name and organisation
// sharing the rest.
func memberCols() *columns {
	widest := func(ss ...string) float32 {
		w := float32(0)
		for _, s := range ss {
			w = max(w, widget.NewLabel(s).MinSize().Width)
		}
		return w
	}
	side := widest("Side", sideLabel(doc.Government), sideLabel(doc.CivilSociety), sideLabel(""))
	conn := widest("Connection", "Connected now", "This laptop", "Not seen yet", "Sync unavailable", "Last seen 59 min ago", "Last seen 28 Dec 23:59")
	return &columns{widths: memberColumns, fixed: []float32{0, 0, side, conn}}
}

func (m *membersScreen) buildUI() fyne.CanvasObject {
	heading := subHeading("Members and peers")
	m.summary = widget.NewLabel("")
	m.summary.Wrapping = fyne.TextWrapWord
	invite := widget.NewButtonWithIcon("Invite a colleague", theme.MailSendIcon(), m.ws.ui.showInvite)
	invite.Importance = widget.HighImportance
	join := widget.NewButtonWithIcon("Join with a code", theme.LoginIcon(), m.ws.ui.joinDialog)
	actions := container.NewHBox(invite, join)
	if m.ws.ui.cfg.Sync == nil {
		actions.Hide() // the summary says why
	}
	cols := memberCols()
	head := container.New(cols)
	for _, h := range []string{"Name", "Organisation", "Side", "Connection"} {
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
	m.load()
	top := container.NewVBox(heading, m.summary, actions, widget.NewSeparator(), head)
	m.root = container.NewBorder(top, m.detail, nil, nil, m.list)
	return m.root
}

func (m *membersScreen) buildDetail() *fyne.Container {
	m.who = widget.NewLabel("")
	m.who.TextStyle = fyne.TextStyle{Bold: true}
	m.who.Truncation = fyne.TextTruncateEllipsis
	m.minister = widget.NewCheck("Minister: signs releases", func(on bool) { m.setRole(doc.RoleMinister, on) })
	m.cochair = widget.NewCheck("Co-chair: endorses versions", func(on bool) { m.setRole(doc.RoleCoChair, on) })
	m.keys = widget.NewLabel("")
	m.keys.Wrapping = fyne.TextWrapBreak
	m.addKey = widget.NewButtonWithIcon("Register signing key…", theme.ContentAddIcon(), m.pickKey)
	m.remove = widget.NewButtonWithIcon("Remove from plan…", theme.DeleteIcon(), m.confirmRemove)
	m.remove.Importance = widget.DangerImportance
	hint := widget.NewLabel("Select a member to change their roles, register the public key they sign with, or remove them.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	c := container.NewVBox(widget.NewSeparator(), hint)
	return c
}

// showDetail shows the selected member's roles, keys and actions.
func (m *membersScreen) showDetail() {
	mem, ok := m.ws.plan.Member(m.selected)
	if !ok {
		return
	}
	name := orDefault(mem.Name, "Unnamed device "+shortID(mem.PeerID))
	m.who.SetText(fmt.Sprintf("%s · %s · %s", name, orDefault(mem.Org, "no organisation"), sideLabel(mem.Side)))
	m.quiet = true
	m.minister.SetChecked(mem.HasRole(doc.RoleMinister))
	m.cochair.SetChecked(mem.HasRole(doc.RoleCoChair))
	m.quiet = false
	var keys []string
	for _, k := range mem.Keys {
		if pub, comment, err := release.ParsePublicKey([]byte(k)); err == nil {
			keys = append(keys, strings.TrimSpace(release.Fingerprint(pub)+" "+comment))
		}
	}
	if len(keys) == 0 {
		m.keys.SetText("Signing keys: none registered")
	} else {
		m.keys.SetText("Signing keys: " + strings.Join(keys, ", "))
	}
	for _, w := range []fyne.Disableable{m.minister, m.cochair, m.addKey, m.remove} {
		if mem.Removed {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if mem.Removed {
		m.who.SetText(m.who.Text + " · removed")
	}
	m.detail.Objects = []fyne.CanvasObject{widget.NewSeparator(), m.who,
		container.NewHBox(m.minister, m.cochair), container.NewBorder(nil, nil, nil, container.NewHBox(m.addKey, m.remove), m.keys)}
	m.root.Refresh() // the panel's height changed
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

var pubFilter = storage.NewExtensionFileFilter([]string{".pub"})

func (m *membersScreen) pickKey() {
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
	d.SetFilter(pubFilter)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := listerFor(filepath.Join(home, ".ssh")); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// registerKey registers the OpenSSH public key in the file at path to the
// selected member.
func (m *membersScreen) registerKey(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		m.ws.errorf(err)
		return
	}
	pub, comment, err := release.ParsePublicKey(data)
	if err != nil {
		m.ws.errorf(fmt.Errorf("%s is not an OpenSSH public key (choose the .pub file, e.g. id_ed25519.pub)", filepath.Base(path)))
		return
	}
	line := strings.TrimSpace(release.AuthorizedKey(pub) + " " + comment)
	if err := m.ws.plan.AddMemberKey(m.selected, line); err != nil {
		m.ws.errorf(err)
		return
	}
	m.load()
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
	cells := []string{name, orDefault(mem.Org, "—"), sideLabel(mem.Side), m.connection(mem)}
	for j, s := range cells {
		l := c.Objects[j].(*widget.Label)
		l.SetText(s)
		if mem.Removed {
			l.Importance = widget.LowImportance
		} else if j == 3 && strings.HasPrefix(s, "Connected") {
			l.Importance = widget.SuccessImportance
		} else {
			l.Importance = widget.MediumImportance
		}
		l.Refresh()
	}
}

func (m *membersScreen) connection(mem doc.Member) string {
	if mem.Removed {
		return "Removed"
	}
	if mem.PeerID == m.ws.ui.cfg.Author.PeerID {
		return "This laptop"
	}
	if m.ws.ui.cfg.Sync == nil {
		return "Sync unavailable"
	}
	ps, ok := m.peers[mem.PeerID]
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
	m.members = m.ws.plan.Members()
	m.peers = map[string]PeerStatus{}
	connected := 0
	if svc := m.ws.ui.cfg.Sync; svc != nil {
		for _, ps := range svc.Peers(m.ws.plan.ID()) {
			m.peers[ps.PeerID] = ps
			if ps.Connected {
				connected++
			}
		}
	}
	gov, cs := 0, 0
	for _, mem := range m.members {
		if mem.Removed {
			continue
		}
		if mem.Side == doc.Government {
			gov++
		} else if mem.Side == doc.CivilSociety {
			cs++
		}
	}
	txt := fmt.Sprintf("%s: %d government, %d civil society.", plural(gov+cs, "member"), gov, cs)
	if m.ws.ui.cfg.Sync == nil {
		txt += " Peer sync is not available in this build, so invites are off; share .coplan files instead."
	} else {
		txt += fmt.Sprintf(" %d connected now.", connected)
	}
	m.summary.SetText(txt)
	m.list.Refresh()
	if m.selected != "" {
		m.showDetail()
	}
}

func (m *membersScreen) refresh(bool) { m.load() }
func (m *membersScreen) close()       {}
