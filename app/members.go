package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// membersScreen lists the plan's members with their organisation and side,
// who is connected now and when each was last seen; invites and joins.
type membersScreen struct {
	ws      *workspace
	members []doc.Member
	peers   map[string]PeerStatus
	list    *widget.List
	summary *widget.Label
}

func newMembersScreen(ws *workspace) *membersScreen { return &membersScreen{ws: ws} }

var memberColumns = []float32{0.26, 0.28, 0.16, 0.30}

func (m *membersScreen) buildUI() fyne.CanvasObject {
	heading := widget.NewLabel("Members and peers")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	m.summary = widget.NewLabel("")
	m.summary.Wrapping = fyne.TextWrapWord
	invite := widget.NewButtonWithIcon("Invite a colleague", theme.MailSendIcon(), m.ws.ui.showInvite)
	invite.Importance = widget.HighImportance
	join := widget.NewButtonWithIcon("Join with a code", theme.LoginIcon(), m.ws.ui.joinDialog)
	actions := container.NewHBox(invite, join)
	if m.ws.ui.cfg.Sync == nil {
		actions.Hide() // the summary says why
	}
	head := container.New(&columns{widths: memberColumns})
	for _, h := range []string{"Name", "Organisation", "Side", "Connection"} {
		l := widget.NewLabel(h)
		l.TextStyle = fyne.TextStyle{Bold: true}
		head.Add(l)
	}
	m.list = widget.NewList(func() int { return len(m.members) }, func() fyne.CanvasObject {
		cells := container.New(&columns{widths: memberColumns})
		for range memberColumns {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			cells.Add(l)
		}
		return cells
	}, m.updateRow)
	m.list.OnSelected = func(widget.ListItemID) { m.list.UnselectAll() }
	m.load()
	top := container.NewVBox(heading, m.summary, actions, widget.NewSeparator(), head)
	return container.NewBorder(top, nil, nil, nil, m.list)
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
	case ok && ps.Connected:
		return "Connected now"
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
	txt := fmt.Sprintf("%d members: %d government, %d civil society.", gov+cs, gov, cs)
	if m.ws.ui.cfg.Sync == nil {
		txt += " Peer sync is not available in this build, so invites are off; share .coplan files instead."
	} else {
		txt += fmt.Sprintf(" %d connected now.", connected)
	}
	m.summary.SetText(txt)
	m.list.Refresh()
}

func (m *membersScreen) refresh(bool) { m.load() }
func (m *membersScreen) close()       {}
