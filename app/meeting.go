package app

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// Meeting mode: Start meeting marks the version a forum meeting starts
// from and who is present; while it runs a banner says so on every
// laptop; End meeting writes the record (attendees, decisions, what
// changed on every peer) into the meeting's notes and opens them.

// meetingBar is the banner shown while a meeting runs.
type meetingBar struct {
	ws   *workspace
	box  *fyne.Container
	text *widget.Label
	end  *widget.Button // shown only to a device that may end the meeting
	m    doc.Meeting
	on   bool
}

func newMeetingBar(ws *workspace) *meetingBar { return &meetingBar{ws: ws} }

func (b *meetingBar) buildUI() fyne.CanvasObject {
	b.text = widget.NewLabel("")
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.text.Wrapping = fyne.TextWrapWord
	notes := widget.NewButtonWithIcon("Open its notes", theme.DocumentIcon(), func() { b.ws.openNote(b.m.Note) })
	b.end = widget.NewButtonWithIcon("End meeting…", theme.MediaStopIcon(), func() { b.ws.confirmEndMeeting(b.m) })
	b.end.Importance = widget.HighImportance
	b.box = container.NewStack(warningBand(container.NewBorder(nil, nil, widget.NewIcon(theme.MediaRecordIcon()),
		container.NewHBox(notes, b.end), flowText(b.text))))
	b.box.Hide()
	b.refresh()
	return b.box
}

// refresh shows the banner while a meeting runs (started on any laptop).
func (b *meetingBar) refresh() {
	if b.box == nil {
		return
	}
	m, ok := runningMeeting(b.ws.plan)
	b.m, b.on = m, ok
	b.ws.ui.refreshMeetingItems(b.ws.plan)
	if !ok {
		b.box.Hide()
		return
	}
	if b.ws.plan.MayEndMeeting(m) == nil {
		b.end.Show()
	} else {
		b.end.Hide()
	}
	b.text.SetText(fmt.Sprintf("Meeting “%s” running since %s · present: %s", m.Title,
		m.Started.Local().Format("15:04"), strings.Join(m.Attendees, ", ")))
	b.box.Show()
}

// runningMeeting is the meeting still running, if any: the latest one when
// several are (started on two laptops).
func runningMeeting(p *doc.Plan) (doc.Meeting, bool) {
	ms := p.Meetings()
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Ended() {
			return ms[i], true
		}
	}
	return doc.Meeting{}, false
}

// startMeetingDialog asks for the meeting's title and who is present:
// members connected now, ticked, and names typed in.
func (u *UI) startMeetingDialog() {
	ws := u.liveWorkspace()
	if ws == nil {
		return
	}
	if m, ok := runningMeeting(ws.plan); ok {
		u.showInfo("A meeting is running", fmt.Sprintf("“%s” has been running since %s. End it before starting another.",
			m.Title, m.Started.Local().Format("2 Jan 15:04")))
		return
	}
	if err := ws.plan.MayStartMeeting(); err != nil {
		u.showInfo("You cannot start a meeting", refusal(err))
		return
	}
	title := widget.NewEntry()
	title.SetPlaceHolder("Meeting " + now().Local().Format("2 January 2006"))
	var present []*widget.Check
	box := container.NewVBox()
	for _, name := range ws.connectedNames() {
		c := widget.NewCheck(name, nil)
		c.SetChecked(true)
		present = append(present, c)
		box.Add(c)
	}
	if len(present) == 0 {
		l := widget.NewLabel("No colleague is connected right now.")
		l.Importance = widget.LowImportance
		box.Add(l)
	}
	others := widget.NewMultiLineEntry()
	others.SetPlaceHolder("Others present, one per line or separated by commas")
	others.SetMinRowsVisible(3)
	you := wrapped(fmt.Sprintf("You (%s) count as present. Everyone's edits until the meeting ends, on any laptop, go into its record.",
		orDefault(u.cfg.Author.Name, "this laptop")))
	you.Importance = widget.LowImportance
	items := []*widget.FormItem{
		widget.NewFormItem("Title", title),
		widget.NewFormItem("Connected now", box),
		widget.NewFormItem("Also present", others),
		widget.NewFormItem("", inDialog(you)),
	}
	d := dialog.NewForm("Start meeting", "Start", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		var names []string
		for _, c := range present {
			if c.Checked {
				names = append(names, c.Text)
			}
		}
		names = append(names, splitNames(others.Text)...)
		ws.startMeeting(title.Text, names)
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// splitNames splits typed names at line breaks, commas and semicolons.
func splitNames(s string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// connectedNames are the members connected to this laptop now, by name.
func (ws *workspace) connectedNames() []string {
	svc := ws.ui.cfg.Sync
	if svc == nil {
		return nil
	}
	var out []string
	for _, ps := range svc.Peers(ws.plan.ID()) {
		if !ps.Connected {
			continue
		}
		if m, ok := ws.plan.Member(ps.PeerID); ok && m.Name != "" && !m.Removed {
			out = append(out, m.Name)
		}
	}
	return out
}

// startMeeting starts the meeting and opens its notes for writing.
func (ws *workspace) startMeeting(title string, attendees []string) {
	m, err := ws.plan.StartMeeting(title, attendees)
	if err != nil {
		ws.errorf(err)
		return
	}
	ws.drain()
	ws.meeting.refresh()
	ws.openNote(m.Note)
}

// endMeetingDialog ends the meeting that runs, after asking.
func (u *UI) endMeetingDialog() {
	ws := u.liveWorkspace()
	if ws == nil {
		return
	}
	m, ok := runningMeeting(ws.plan)
	if !ok {
		u.showInfo("No meeting running", "No meeting is running. Plan > Start meeting… starts one.")
		return
	}
	ws.confirmEndMeeting(m)
}

func (ws *workspace) confirmEndMeeting(m doc.Meeting) {
	if err := ws.plan.MayEndMeeting(m); err != nil {
		ws.ui.showInfo("You cannot end this meeting", refusal(err))
		return
	}
	msg := fmt.Sprintf("End “%s”? Its record (who was there, who edited what on any laptop, the decisions taken and what changed since %s) is added to its meeting notes.",
		m.Title, m.Started.Local().Format("15:04"))
	d := dialog.NewCustomConfirm("End meeting?", "End meeting", "Cancel", inDialog(wrapped(msg)), func(ok bool) {
		if ok {
			ws.endMeeting(m)
		}
	}, ws.ui.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

// endMeeting writes the record off the UI thread (the comparison of the
// meeting's start and end takes a moment on a large plan), then opens the
// notes it went into.
func (ws *workspace) endMeeting(m doc.Meeting) {
	p := ws.plan
	var rec doc.MeetingRecord
	ws.ui.runTask("Ending the meeting", "Writing the record of “"+m.Title+"” into its notes…", false, func(*task) error {
		var err error
		rec, err = p.EndMeeting(m.ID)
		return err
	}, func(err error) {
		switch {
		case canceled(err):
			return
		case err != nil:
			ws.errorf(fmt.Errorf("could not end the meeting: %w", err))
			return
		}
		if ws.closed {
			return
		}
		ws.drain()
		ws.meeting.refresh()
		ws.openNote(rec.Meeting.Note)
		ws.ui.showInfo("Meeting ended", "The record of “"+m.Title+"” is in its notes: "+recordSummary(rec)+".")
	})
}

// saveDraftDialog names the plan as it is now, for everyone.
func (u *UI) saveDraftDialog() {
	ws := u.liveWorkspace()
	if ws == nil {
		return
	}
	if err := ws.plan.MayNameDraft(); err != nil {
		u.showInfo("You cannot name a draft", refusal(err))
		return
	}
	label := widget.NewEntry()
	label.SetPlaceHolder("e.g. Draft for consultation, " + now().Local().Format("2 Jan"))
	hint := wrapped("Names the plan as it is now. Everyone sees the named draft in History, can open it, compare it with any other version and export it.")
	hint.Importance = widget.LowImportance
	d := dialog.NewForm("Save as named draft", "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Label", label), widget.NewFormItem("", inDialog(hint)),
	}, func(ok bool) {
		if ok {
			ws.saveDraft(label.Text)
		}
	}, u.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

func (ws *workspace) saveDraft(label string) bool {
	m, err := ws.plan.SaveDraft(label)
	if err != nil {
		if errors.Is(err, doc.ErrDraftExists) {
			err = fmt.Errorf("%w: choose another label", err)
		}
		ws.errorf(err)
		return false
	}
	ws.drain()
	ws.ui.showInfo("Named draft saved", fmt.Sprintf("The plan as it is now is the draft “%s”. It is listed in History under Named versions.", m.Label))
	return true
}

// liveWorkspace is the workspace of the open plan, nil on the welcome
// screen or while a plan opens; a version view in front of it is closed.
func (u *UI) liveWorkspace() *workspace {
	if u.ws == nil {
		return nil
	}
	if vv := u.viewing(); vv != nil {
		vv.back()
	}
	return u.ws
}

// showHistory opens the History screen.
func (u *UI) showHistory() {
	if ws := u.liveWorkspace(); ws != nil {
		ws.outline.selectKey(outlineItem{kind: kindHistory}.key())
		if _, ok := ws.current.(*historyScreen); !ok {
			ws.show(outlineItem{kind: kindHistory}) // from a comparison
		}
	}
}

func (u *UI) restoreDeleted() {
	if ws := u.liveWorkspace(); ws != nil {
		ws.restoreDeletedDialog()
	}
}

// viewedChoice is the past version the window shows, nil for now.
func (u *UI) viewedChoice() *versionChoice {
	if vv := u.viewing(); vv != nil {
		c := vv.choice
		return &c
	}
	return nil
}

// recordSummary says in a few words what a meeting record holds.
func recordSummary(rec doc.MeetingRecord) string {
	present := fmt.Sprintf("%d people present", len(rec.Meeting.Attendees))
	if len(rec.Meeting.Attendees) == 1 {
		present = "1 person present"
	}
	edited := "nobody edited the plan"
	switch n := len(rec.Editors); {
	case n == 1:
		edited = "1 member edited the plan"
	case n > 1:
		edited = fmt.Sprintf("%d members edited the plan", n)
	}
	decided := "no decision taken"
	if n := len(rec.Decisions); n > 0 {
		decided = plural(n, "decision") + " taken"
	}
	return present + ", " + edited + ", " + decided
}

// refusal is the rulebook's reason in one sentence for a person: the
// sentinel's words ("signer lacks the authority: ") dropped.
func refusal(err error) string {
	msg := strings.TrimPrefix(err.Error(), "signer lacks the authority: ")
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return strings.TrimSuffix(msg, ".") + "."
}
