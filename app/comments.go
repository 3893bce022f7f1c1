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

// commentThread is the discussion on a commitment: threads of comments,
// each resolvable and open to replies, some on a passage of one of the
// commitment's texts; and a box to add one, on a passage when one was
// chosen ("Comment on selection").
type commentThread struct {
	ce           *commitmentEditor
	list         *fyne.Container
	body         *widget.Entry
	showResolved *widget.Check
	seen         string

	// The passage the next comment is on, if any.
	on       *doc.CommentAnchor
	onBox    *fyne.Container
	onLabel  *widget.Label
	replyTo  string // the thread whose reply box is open
	reply    *widget.Entry
	passages map[string]passage // the passage each anchored comment shows, by comment ID
}

// passage is where an anchored comment's passage is in its text now.
type passage struct {
	field      string
	start, end int
	found      bool
}

func newCommentThread(ce *commitmentEditor) *commentThread {
	return &commentThread{ce: ce, passages: map[string]passage{}}
}

func (ct *commentThread) buildUI() fyne.CanvasObject {
	ct.list = container.NewVBox()
	ct.body = widget.NewMultiLineEntry()
	ct.body.SetPlaceHolder("Write a comment")
	ct.body.SetMinRowsVisible(3)
	ct.body.Wrapping = fyne.TextWrapWord
	send := widget.NewButtonWithIcon("Comment", theme.MailSendIcon(), ct.send)
	send.Importance = widget.HighImportance
	ct.showResolved = widget.NewCheck("Show resolved", func(bool) { ct.seen = ""; ct.load() })
	ct.onLabel = widget.NewLabel("")
	ct.onLabel.Wrapping = fyne.TextWrapWord
	ct.onLabel.TextStyle = fyne.TextStyle{Italic: true}
	drop := widget.NewButtonWithIcon("", theme.CancelIcon(), ct.clearPassage)
	drop.Importance = widget.LowImportance
	ct.onBox = container.NewBorder(nil, nil, nil, drop, ct.onLabel)
	ct.onBox.Hide()
	bottom := container.NewVBox(ct.onBox, container.NewBorder(nil, nil, nil, send, ct.body))
	return container.NewBorder(container.NewHBox(ct.showResolved), bottom, nil, nil, container.NewVScroll(ct.list))
}

// onPassage makes the next comment one on the passage [start, end) of the
// commitment's text field.
func (ct *commentThread) onPassage(field string, start, end int, quote string) {
	ct.on = &doc.CommentAnchor{Field: field, Start: start, End: end, Quote: quote}
	ct.onLabel.SetText(fmt.Sprintf("On “%s” in %s:", shortQuote(quote), fieldTab(field)))
	ct.onBox.Show()
}

func (ct *commentThread) clearPassage() {
	ct.on = nil
	ct.onBox.Hide()
}

func (ct *commentThread) send() {
	var err error
	if a := ct.on; a != nil {
		_, err = ct.ce.plan.AddAnchoredComment(ct.ce.id, a.Field, a.Start, a.End, ct.body.Text)
	} else {
		_, err = ct.ce.plan.AddComment(ct.ce.id, ct.body.Text)
	}
	if err != nil {
		ct.ce.ws.errorf(err)
		return
	}
	ct.body.SetText("")
	ct.clearPassage()
	ct.load()
}

// sendReply adds the reply typed in the open reply box.
func (ct *commentThread) sendReply() {
	if ct.reply == nil || ct.replyTo == "" {
		return
	}
	if _, err := ct.ce.plan.ReplyToComment(ct.replyTo, ct.reply.Text); err != nil {
		ct.ce.ws.errorf(err)
		return
	}
	ct.replyTo, ct.reply = "", nil
	ct.seen = ""
	ct.load()
}

// openReply opens the reply box under a thread.
func (ct *commentThread) openReply(id string) {
	ct.replyTo = id
	ct.reply = widget.NewMultiLineEntry()
	ct.reply.SetPlaceHolder("Write a reply")
	ct.reply.Wrapping = fyne.TextWrapWord
	ct.reply.SetMinRowsVisible(2)
	ct.seen = ""
	ct.load()
	if c := fyne.CurrentApp().Driver().CanvasForObject(ct.list); c != nil {
		c.Focus(ct.reply)
	}
}

func (ct *commentThread) load() {
	cs := ct.ce.plan.CommentsOn(ct.ce.id)
	ct.findPassages(cs)
	sig := fmt.Sprint(len(cs), ct.showResolved.Checked, ct.replyTo)
	for _, c := range cs {
		sig += c.ID + fmt.Sprint(c.Resolved) + c.Body + c.Parent + fmt.Sprint(ct.passages[c.ID])
	}
	if sig == ct.seen {
		return
	}
	ct.seen = sig
	open := 0
	ct.list.Objects = nil
	for _, th := range doc.Threads(cs) {
		if !th.Resolved {
			open++
		}
		if th.Resolved && !ct.showResolved.Checked {
			continue
		}
		ct.list.Add(ct.threadCard(th))
	}
	if len(ct.list.Objects) == 0 {
		l := widget.NewLabel("No open comments.")
		l.Importance = widget.LowImportance
		ct.list.Add(l)
	}
	ct.list.Refresh()
	if ct.ce.commentTab != nil {
		ct.ce.commentTab.Text = fmt.Sprintf("Comments (%d)", open)
		if ct.ce.tabs != nil {
			ct.ce.tabs.Refresh()
		}
	}
}

// findPassages finds each anchored comment's passage in its text as it is
// now.
func (ct *commentThread) findPassages(cs []doc.Comment) {
	texts := map[string]string{}
	for _, c := range cs {
		a := c.Anchor
		if a == nil {
			continue
		}
		text, ok := texts[a.Field]
		if !ok {
			text, _ = ct.ce.plan.Text(doc.CommitmentText(ct.ce.id, a.Field))
			texts[a.Field] = text
		}
		s, e, found := doc.FindAnchor(text, *a)
		ct.passages[c.ID] = passage{field: a.Field, start: s, end: e, found: found && ct.ce.long[a.Field] != nil}
	}
}

// threadCard is a comment with its replies under it and a Reply button.
func (ct *commentThread) threadCard(th doc.Thread) fyne.CanvasObject {
	box := container.NewVBox(ct.card(th.Comment, true))
	for _, r := range th.Replies {
		box.Add(container.NewPadded(container.NewBorder(nil, nil, widget.NewIcon(theme.MailReplyIcon()), nil, ct.card(r, false))))
	}
	if ct.replyTo == th.ID && ct.reply != nil {
		send := widget.NewButtonWithIcon("Reply", theme.MailReplyIcon(), ct.sendReply)
		send.Importance = widget.HighImportance
		cancel := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { ct.replyTo, ct.reply = "", nil; ct.seen = ""; ct.load() })
		cancel.Importance = widget.LowImportance
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(send, cancel), ct.reply))
	}
	box.Add(widget.NewSeparator())
	return box
}

// card is one comment: who and when, the passage it is on, its words,
// and (for a thread's first comment) Reply and Resolve.
func (ct *commentThread) card(c doc.Comment, opens bool) fyne.CanvasObject {
	who := widget.NewLabel(fmt.Sprintf("%s · %s", orDefault(c.Author, "Someone"), c.At.Local().Format("2 Jan 2006 15:04")))
	who.TextStyle = fyne.TextStyle{Bold: true}
	who.SizeName = theme.SizeNameCaptionText
	body := widget.NewLabel(c.Body)
	body.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{}
	var actions []fyne.CanvasObject
	if opens {
		label, icon := "Resolve", theme.ConfirmIcon()
		if c.Resolved {
			label, icon = "Reopen", theme.ViewRefreshIcon()
			body.Importance = widget.LowImportance
		}
		id, resolved := c.ID, c.Resolved
		reply := widget.NewButtonWithIcon("Reply", theme.MailReplyIcon(), func() { ct.openReply(id) })
		reply.Importance = widget.LowImportance
		btn := widget.NewButtonWithIcon(label, icon, func() {
			if err := ct.ce.plan.ResolveComment(id, !resolved); err != nil {
				ct.ce.ws.errorf(err)
				return
			}
			ct.load()
		})
		btn.Importance = widget.LowImportance
		actions = append(actions, reply, btn)
	}
	parts = append(parts, container.NewBorder(nil, nil, nil, container.NewHBox(actions...), who))
	if a := c.Anchor; a != nil {
		parts = append(parts, ct.quote(c.ID, *a))
	}
	parts = append(parts, body)
	return container.NewVBox(parts...)
}

// quote shows the passage a comment is on; clicking it selects the
// passage in its text.
func (ct *commentThread) quote(id string, a doc.CommentAnchor) fyne.CanvasObject {
	pg := ct.passages[id]
	text := fmt.Sprintf("On “%s” in %s", shortQuote(a.Quote), fieldTab(a.Field))
	if !pg.found {
		l := widget.NewLabel(text + " (the passage has since been edited)")
		l.Wrapping = fyne.TextWrapWord
		l.TextStyle = fyne.TextStyle{Italic: true}
		l.Importance = widget.LowImportance
		return l
	}
	b := widget.NewButtonWithIcon(text, theme.NavigateNextIcon(), func() { ct.ce.showPassage(pg.field, pg.start, pg.end) })
	b.Alignment = widget.ButtonAlignLeading
	b.Importance = widget.LowImportance
	return b
}

// shortQuote keeps a quoted passage to one short line.
func shortQuote(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if r := []rune(q); len(r) > 60 {
		q = string(r[:57]) + "…"
	}
	return q
}

// fieldTab is the tab a commitment text field is edited in.
func fieldTab(field string) string {
	for _, s := range longFieldSpecs {
		if s.field == field {
			return s.tab
		}
	}
	return field
}

// commentOnSelection starts a comment on the passage selected in one of
// the commitment's texts.
func (ce *commitmentEditor) commentOnSelection(field string) {
	lf := ce.long[field]
	if lf == nil {
		return
	}
	from, to := lf.ed.Selection()
	if from == to {
		ce.ws.ui.showInfo("Select a passage", "Select the words you want to comment on in the text, then choose Comment on selection.")
		return
	}
	ce.comments.onPassage(field, from, to, lf.ed.SelectedText())
	ce.tabs.Select(ce.commentTab)
	ce.ws.ui.win.Canvas().Focus(ce.comments.body)
}

// showPassage opens a text's tab with a passage selected.
func (ce *commitmentEditor) showPassage(field string, start, end int) {
	lf := ce.long[field]
	if lf == nil {
		return
	}
	for i, s := range longFieldSpecs {
		if s.field == field {
			ce.tabs.SelectIndex(i + 1) // after Details
		}
	}
	if lf.tabs != nil {
		lf.tabs.SelectIndex(0)
	}
	lf.ed.SetSelection(start, end)
	lf.ed.focus(ce.ws.ui.win.Canvas())
}
