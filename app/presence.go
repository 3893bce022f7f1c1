package app

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/app/editor"
	"github.com/coplan/coplan/doc"
)

// PresenceService is the part of a SyncService that tells colleagues what
// this window has open and says what theirs have. A SyncService that has
// it (asserted at run time) makes the window show who is here.
type PresenceService interface {
	// SetPresence reports what this device has open; cheap, and
	// coalesced by the service, so it may be called often.
	SetPresence(planID string, p Presence)
	// Presence lists the member devices connected now, with what each
	// has open.
	Presence(planID string) []Colleague
	// WatchPresence signals (coalesced) when Presence may have changed.
	WatchPresence(planID string) (<-chan struct{}, func())
}

// Presence is what a window has open: a commitment or another part of
// the plan, the field being edited, and in a long text the cursor (code
// points) with the text just before it, to find it again after
// concurrent edits.
type Presence struct {
	// Item is the part of the plan open when it is not a commitment
	// (ItemOverview, ItemTimeline, ItemNotes); "" a commitment, or
	// nothing when Commitment is "" too.
	Item       string
	Commitment string
	Note       string // with ItemNotes, the meeting note open; "" none chosen
	Field      string
	Cursor     int // < 0: none
	Before     string
}

// The parts of the plan Presence.Item names (the same strings as sync's).
const (
	ItemOverview = "overview"
	ItemTimeline = "timeline"
	ItemNotes    = "notes"
)

// Colleague is a member device connected now.
type Colleague struct {
	PeerID   string
	Name     string
	Org      string
	Side     doc.Side
	Presence // what it has open
	LastSeen time.Time
}

// presenceView shows colleagues in the window (the status bar, chips in
// the outline, carets in long texts) and reports this window's own
// presence.
type presenceView struct {
	ws   *workspace
	svc  PresenceService // nil: no presence
	here []Colleague
	last Presence
	sent bool
	bar  *fyne.Container // the status bar's "here now" chips
}

// presenceReport is how often the window's cursor is looked at.
const presenceReport = 200 * time.Millisecond

func newPresenceView(ws *workspace) *presenceView {
	pv := &presenceView{ws: ws, bar: container.NewHBox()}
	pv.bar.Hide() // no room kept while nobody is here
	pv.svc, _ = ws.ui.cfg.Sync.(PresenceService)
	return pv
}

// start follows colleagues' presence and reports this window's, until the
// workspace closes.
func (pv *presenceView) start() {
	if pv.svc == nil {
		return
	}
	ch, stop := pv.svc.WatchPresence(pv.ws.plan.ID())
	go func() {
		defer stop()
		t := time.NewTicker(presenceReport)
		defer t.Stop()
		for {
			select {
			case <-pv.ws.done:
				// Closed: nothing of this plan is open here any more.
				pv.svc.SetPresence(pv.ws.plan.ID(), Presence{Cursor: -1})
				return
			case <-ch:
				onUI(pv.refresh)
			case <-t.C:
				onUI(pv.report)
			}
		}
	}()
}

// presenceItem is a screen colleagues are told a window has open.
type presenceItem interface {
	// presenceItem is the item open, with Field set when a short field
	// has the focus (Cursor -1); long texts (withLongText) add the cursor.
	presenceItem() Presence
}

func (ce *commitmentEditor) presenceItem() Presence {
	if ce.gone {
		return Presence{Cursor: -1}
	}
	p := Presence{Commitment: ce.id, Cursor: -1}
	if ce.title != nil && ce.ws.ui.win.Canvas().Focused() == ce.title {
		p.Field = "title"
	}
	return p
}

func (o *overview) presenceItem() Presence { return Presence{Item: ItemOverview, Cursor: -1} }

func (t *timelineScreen) presenceItem() Presence { return Presence{Item: ItemTimeline, Cursor: -1} }

func (n *notesScreen) presenceItem() Presence {
	return Presence{Item: ItemNotes, Note: n.current, Cursor: -1}
}

// sameItem says whether two presences have the same item open.
func sameItem(a, b Presence) bool {
	return a.Item == b.Item && a.Commitment == b.Commitment && a.Note == b.Note
}

// openTexts are the item the screen shown has open and its long texts
// (each named by its document field), where this window's cursor is
// reported and colleagues' carets are shown: the same code for a
// commitment's fields, the vision and a meeting's notes. None when the
// screen has no presence.
func (ws *workspace) openTexts() (Presence, []*longField) {
	none := Presence{Cursor: -1}
	s, ok := ws.current.(presenceItem)
	if !ok || ws.closed || ws.ui.viewing() != nil {
		return none, nil
	}
	p := s.presenceItem()
	if p == none {
		return none, nil
	}
	var lfs []*longField
	if wl, ok := ws.current.(withLongText); ok {
		for _, lf := range wl.longFields() {
			if lf != nil && lf.b != nil {
				lfs = append(lfs, lf)
			}
		}
	}
	return p, lfs
}

// own is what this window has open now.
func (pv *presenceView) own() Presence {
	p, lfs := pv.ws.openTexts()
	for _, lf := range lfs {
		if lf.ed.HasFocus() {
			p.Field = lf.b.ref.Field
			rs := []rune(lf.ed.Text())
			p.Cursor = max(0, min(lf.ed.CursorOffset(), len(rs)))
			p.Before = string(rs[max(0, p.Cursor-6):p.Cursor])
			return p
		}
	}
	return p
}

// report tells the service what this window has open, if it changed.
func (pv *presenceView) report() {
	if pv.svc == nil || pv.ws.closed {
		return
	}
	p := pv.own()
	if pv.sent && p == pv.last {
		return
	}
	pv.last, pv.sent = p, true
	pv.svc.SetPresence(pv.ws.plan.ID(), p)
}

// refresh re-reads who is here and shows it.
func (pv *presenceView) refresh() {
	if pv.svc == nil || pv.ws.closed {
		return
	}
	pv.here = pv.svc.Presence(pv.ws.plan.ID())
	pv.showBar()
	if o := pv.ws.outline; o.list != nil {
		o.list.Refresh()
	}
	pv.showCarets()
	pv.ws.status.refresh()
}

// in lists the colleagues who have a commitment open.
func (pv *presenceView) in(commitment string) []Colleague {
	if commitment == "" {
		return nil
	}
	return pv.at(outlineItem{kind: kindCommitment, id: commitment})
}

// at lists the colleagues who have an outline item open: a commitment,
// the overview, the timeline, or any meeting's notes.
func (pv *presenceView) at(it outlineItem) []Colleague {
	var want Presence
	switch it.kind {
	case kindCommitment:
		want.Commitment = it.id
	case kindOverview:
		want.Item = ItemOverview
	case kindTimeline:
		want.Item = ItemTimeline
	case kindNotes:
		want.Item = ItemNotes
	default:
		return nil
	}
	var out []Colleague
	for _, c := range pv.here {
		if c.Item == want.Item && (want.Item == ItemNotes || c.Commitment == want.Commitment) &&
			(c.Item != "" || c.Commitment != "") {
			out = append(out, c)
		}
	}
	return out
}

func (pv *presenceView) showBar() {
	if len(pv.here) == 0 {
		pv.bar.Objects = nil
		pv.bar.Hide()
		return
	}
	objs := make([]fyne.CanvasObject, 0, len(pv.here))
	for _, c := range pv.here {
		objs = append(objs, newNameChip(c, colleagueLabel(c)))
	}
	pv.bar.Objects = objs
	pv.bar.Show()
	pv.bar.Refresh()
}

// colleagueLabel is a colleague as the status bar names them: name,
// organisation and side.
func colleagueLabel(c Colleague) string {
	parts := []string{}
	if c.Org != "" {
		parts = append(parts, c.Org)
	}
	if c.Side != "" {
		parts = append(parts, sideLabel(c.Side))
	}
	name := orDefault(c.Name, "A member")
	if len(parts) == 0 {
		return name
	}
	return fmt.Sprintf("%s (%s)", name, strings.Join(parts, ", "))
}

// showCarets puts colleagues' carets in the long texts of the item
// shown: a commitment's fields, the vision, a meeting's notes.
func (pv *presenceView) showCarets() {
	open, lfs := pv.ws.openTexts()
	for _, lf := range lfs {
		et, ok := lf.ed.(*editorText)
		if !ok {
			continue
		}
		field := lf.b.ref.Field
		var cs []editor.Caret
		text := ""
		for _, c := range pv.here {
			if !sameItem(c.Presence, open) || c.Field != field || c.Cursor < 0 {
				continue
			}
			if text == "" {
				text = et.Text()
			}
			cs = append(cs, editor.Caret{Name: orDefault(c.Name, "A member"), Color: memberColor(c.PeerID), Offset: findCaret(text, c.Presence)})
		}
		if len(cs) > 0 || len(et.Carets()) > 0 {
			et.SetCarets(cs)
		}
	}
}

// findCaret finds a colleague's cursor in the text as it is here: where
// the text before it matches what they had before it, nearest to their
// offset; their offset as it is when that text is not found.
func findCaret(text string, p Presence) int {
	rs := []rune(text)
	off := max(0, min(p.Cursor, len(rs)))
	b := []rune(p.Before)
	if len(b) == 0 {
		return off
	}
	best, dist := -1, 0
	for i := len(b); i <= len(rs); i++ {
		if !slices.Equal(rs[i-len(b):i], b) {
			continue
		}
		d := i - off
		if d < 0 {
			d = -d
		}
		if best < 0 || d < dist {
			best, dist = i, d
		}
	}
	if best < 0 {
		return off
	}
	return best
}

// memberPalette are the colours colleagues are shown in: distinct on the
// light and the dark theme, white text readable on each.
var memberPalette = []color.NRGBA{
	{0xd3, 0x2f, 0x2f, 0xff}, // red
	{0x19, 0x76, 0xd2, 0xff}, // blue
	{0x38, 0x8e, 0x3c, 0xff}, // green
	{0x8e, 0x24, 0xaa, 0xff}, // purple
	{0xef, 0x6c, 0x00, 0xff}, // orange
	{0x00, 0x83, 0x8f, 0xff}, // teal
	{0xc2, 0x18, 0x5b, 0xff}, // pink
	{0x5d, 0x40, 0x37, 0xff}, // brown
}

// memberColor is a member's colour: the same on every window and every
// run, from the device's peer ID.
func memberColor(peerID string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(peerID))
	return memberPalette[h.Sum32()%uint32(len(memberPalette))]
}

// nameChip is a colleague's name on their colour.
type nameChip struct {
	widget.BaseWidget
	peerID string
	text   string
}

func newNameChip(c Colleague, text string) *nameChip {
	ch := &nameChip{peerID: c.PeerID, text: text}
	ch.ExtendBaseWidget(ch)
	return ch
}

func (ch *nameChip) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(memberColor(ch.peerID))
	bg.CornerRadius = 4
	t := canvas.NewText(ch.text, color.White)
	t.TextSize = theme.CaptionTextSize()
	t.TextStyle.Bold = true
	return &chipRenderer{bg: bg, t: t}
}

type chipRenderer struct {
	bg *canvas.Rectangle
	t  *canvas.Text
}

const chipPad = 4

func (r *chipRenderer) Destroy() {}
func (r *chipRenderer) Layout(size fyne.Size) {
	ts := r.t.MinSize()
	r.bg.Resize(fyne.NewSize(size.Width, ts.Height+2))
	r.bg.Move(fyne.NewPos(0, (size.Height-ts.Height-2)/2))
	r.t.Move(fyne.NewPos(chipPad, (size.Height-ts.Height)/2))
	r.t.Resize(ts)
}
func (r *chipRenderer) MinSize() fyne.Size {
	ts := r.t.MinSize()
	return fyne.NewSize(ts.Width+2*chipPad, ts.Height+2)
}
func (r *chipRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.t} }
func (r *chipRenderer) Refresh() {
	r.bg.Refresh()
	r.t.Refresh()
}

// firstName is how a chip in the outline names a colleague.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// outlineChips are the chips of the colleagues in a commitment, for its
// outline row: two names at most, then how many more.
func outlineChips(cs []Colleague) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for i, c := range cs {
		if i == 2 && len(cs) > 3 {
			out = append(out, newNameChip(Colleague{PeerID: "more"}, fmt.Sprintf("+%d", len(cs)-2)))
			break
		}
		out = append(out, newNameChip(c, firstName(c.Name)))
	}
	return out
}

// hereText is the status bar's sync text when colleagues' chips follow
// it: their names are in the chips, not twice.
func hereText(txt string) string {
	if rest, ok := strings.CutPrefix(txt, "Connected to "); ok {
		if _, last, ok := strings.Cut(rest, " · "); ok {
			return "Connected · " + last + " · here now:"
		}
	}
	if strings.Contains(txt, " connected · ") {
		return txt + " · here now:"
	}
	return txt
}
