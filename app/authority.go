package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// What the plan's signed statements say, in words. Whether a control is
// offered is asked of the plan (doc.Plan.Actions, PlanActions), which asks
// the authority rules; nothing here decides who may do what.

// DeliveryRecord is what a SyncService may also offer: its local record of
// which authenticated peer delivered each change (change hash -> peer ID).
type DeliveryRecord interface {
	DeliveredBy(planID string) (map[string]string, error)
}

// fewAdminsWarning is shown while a plan has fewer than two administrators.
const fewAdminsWarning = "Only one administrator: if this laptop is lost nobody can manage members. Make another member an administrator."

// statusShort is a member's standing in one or two words, for the table.
func statusShort(m doc.Member) string {
	switch m.Status {
	case "confirmed":
		return "Confirmed"
	case "vouched":
		return "Vouched"
	}
	return "Their claim"
}

// statusWords says in a sentence how a member's name, organisation and
// side are established, and by whom.
func (ws *workspace) statusWords(m doc.Member) string {
	by := ""
	if m.AddedBy != "" && m.AddedBy != m.PeerID {
		by = ws.personName(m.AddedBy)
	}
	switch {
	case m.Status == "confirmed" && m.AddedBy == m.PeerID:
		return "Verified: founded the plan."
	case m.Status == "confirmed" && by != "":
		return "Verified: name, organisation and side confirmed by an administrator (" + by + ")."
	case m.Status == "confirmed":
		return "Verified: name, organisation and side confirmed by an administrator."
	case m.Status == "vouched" && by != "":
		return "Vouched for by " + by + ", who invited them. No administrator has confirmed it yet."
	case m.Status == "vouched":
		return "Vouched for by the member who invited them. No administrator has confirmed it yet."
	}
	return "Name, organisation and side are the joiner's own claim: nobody has confirmed them yet."
}

// personName names a device as the plan knows it.
func (ws *workspace) personName(peerID string) string {
	if peerID == ws.ui.cfg.Author.PeerID {
		return "you"
	}
	if m, ok := ws.plan.Member(peerID); ok && m.Name != "" {
		return m.Name
	}
	return "device " + shortID(peerID)
}

// roleWords lists roles in words.
func roleWords(roles []string) string {
	if len(roles) == 0 {
		return "none"
	}
	return strings.Join(roles, ", ")
}

// refusedView lists the statements that count for nothing, with who
// signed them, who wrote them into the plan and, when this device's sync
// recorded it, which peer delivered them.
func (ws *workspace) refusedView(list []doc.RefusedStatement) []fyne.CanvasObject {
	var delivered map[string]string
	if dr, ok := ws.ui.cfg.Sync.(DeliveryRecord); ok && len(list) > 0 {
		delivered, _ = dr.DeliveredBy(ws.plan.ID())
	}
	var out []fyne.CanvasObject
	for _, r := range list {
		signer := "an unknown device"
		if r.Signer.PeerID != "" {
			signer = orDefault(r.Signer.Name, "device "+shortID(r.Signer.PeerID))
		}
		what := widget.NewLabel(fmt.Sprintf("%s — claimed signer %s", r.Claim, signer))
		what.TextStyle = fyne.TextStyle{Bold: true}
		what.Wrapping = fyne.TextWrapWord
		from := "an unknown device (no member's)"
		switch {
		case r.Writer.PeerID != "" && r.WriterVerified:
			from = ws.personName(r.Writer.PeerID) + " (verified)"
		case r.Writer.PeerID != "" || r.Writer.Name != "":
			from = orDefault(r.Writer.Name, "device "+shortID(r.Writer.PeerID)) + " (unverified: that device's own claim)"
		}
		line := fmt.Sprintf("A %s statement, written into the plan by %s", r.Kind, from)
		if peer, ok := delivered[r.Change]; ok && r.Change != "" {
			line += "; it reached this laptop from " + ws.personName(peer)
		}
		why := widget.NewLabel(line + ". Refused: " + r.Reason + ".")
		why.Wrapping = fyne.TextWrapWord
		why.Importance = widget.LowImportance
		out = append(out, what, why)
	}
	return out
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// adminBanner is the warning shown while the plan has fewer than two
// administrators, with a way to fix it for a device that may.
func (m *membersScreen) adminBanner() fyne.CanvasObject {
	l := widget.NewLabel(fewAdminsWarning)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.WarningImportance
	m.bannerText = l
	m.makeAdmin = widget.NewButton("Make an administrator…", m.chooseAdmin)
	m.makeAdmin.Importance = widget.WarningImportance
	m.banner = container.NewBorder(nil, nil, nil, m.makeAdmin, l)
	return m.banner
}

// adminWarning is the warning's text: this laptop's own when its member is
// the one administrator, otherwise naming who is.
func (m *membersScreen) adminWarning(admins []string) string {
	if len(admins) == 0 {
		return "No administrator: nobody can manage members."
	}
	if mem, ok := m.ws.plan.Member(m.ws.ui.cfg.Author.PeerID); ok && mem.PeerID == admins[0] {
		return fewAdminsWarning
	}
	return fmt.Sprintf("Only one administrator (%s): if their laptop is lost nobody can manage members. Ask them to make another member an administrator.", m.ws.personName(admins[0]))
}

// adminCandidates are the members this device may make administrators.
func (m *membersScreen) adminCandidates() []doc.Member {
	var out []doc.Member
	for _, mem := range m.members {
		if !mem.Removed && m.ws.plan.Actions(mem.PeerID).Grant[doc.RoleAdmin] {
			out = append(out, mem)
		}
	}
	return out
}

// chooseAdmin asks which member becomes an administrator (one candidate
// is asked about directly).
func (m *membersScreen) chooseAdmin() {
	cands := m.adminCandidates()
	if len(cands) == 0 {
		return
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = fmt.Sprintf("%s (%s)", orDefault(c.Name, "device "+shortID(c.PeerID)), orDefault(c.Org, sideLabel(c.Side)))
	}
	pick := widget.NewSelect(names, nil)
	pick.SetSelectedIndex(0)
	msg := widget.NewLabel("An administrator adds and removes members and gives roles. Choose a member you trust who uses another laptop.")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Make an administrator", "Make administrator", "Cancel", container.NewVBox(msg, pick), func(ok bool) {
		if !ok || pick.SelectedIndex() < 0 {
			return
		}
		if err := m.ws.plan.SetMemberRole(cands[pick.SelectedIndex()].PeerID, doc.RoleAdmin, true); err != nil {
			m.ws.errorf(err)
		}
		m.load()
	}, m.ws.ui.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
	m.adminDialog = d
}
