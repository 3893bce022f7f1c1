package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/export"
	"github.com/coplan/coplan/doc/textdiff"
	"github.com/coplan/coplan/internal/atomicfile"
)

// compare works out, off the UI thread, what changed between two versions
// (the earlier one first, whichever order they were picked in) and shows
// it in the centre pane.
func (ws *workspace) compare(a, b versionChoice) {
	if b.v.Kind != doc.VersionNow && (a.v.Kind == doc.VersionNow || b.v.Time.Before(a.v.Time)) {
		a, b = b, a
	}
	p := ws.plan
	var d doc.PlanDiff
	ws.ui.runTask("Comparing versions", "Comparing the plan as of "+a.label+" with "+b.label+"…", true, func(t *task) error {
		var err error
		d, err = p.DiffVersions(a.v, b.v)
		if err == nil && t.ctx.Err() != nil {
			return context.Canceled
		}
		return err
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ws.errorf(fmt.Errorf("could not compare the versions: %w", err))
		case ws.closed || ws.ui.ws != ws:
		default:
			ds := newDiffScreen(ws, a, b, d)
			ds.pop = ws.push(ds)
		}
	})
}

// diffScreen shows what changed between two versions, commitment by
// commitment and field by field, with the words added and removed marked;
// it exports the comparison and restores what the earlier version held.
type diffScreen struct {
	ws       *workspace
	from, to versionChoice
	d        doc.PlanDiff
	body     *fyne.Container
	pop      func() // back to the screen it was opened from
}

func newDiffScreen(ws *workspace, from, to versionChoice, d doc.PlanDiff) *diffScreen {
	return &diffScreen{ws: ws, from: from, to: to, d: d}
}

func (ds *diffScreen) buildUI() fyne.CanvasObject {
	back := widget.NewButtonWithIcon("Back to history", theme.NavigateBackIcon(), ds.back)
	exp := widget.NewButtonWithIcon("Export diff…", theme.DocumentSaveIcon(), ds.exportDialog)
	if ds.d.Empty() {
		exp.Disable()
	}
	sub := widget.NewLabel(fmt.Sprintf("From %s\nto %s", ds.from.label, ds.to.label))
	sub.Wrapping = fyne.TextWrapWord
	legend := widget.NewRichText(
		&widget.TextSegment{Text: "Words added look ", Style: inlineStyle()},
		&widget.TextSegment{Text: "like this", Style: insertStyle()},
		&widget.TextSegment{Text: ", words removed ", Style: inlineStyle()},
		&widget.TextSegment{Text: "like this", Style: deleteStyle()},
		&widget.TextSegment{Text: " (¶ is a removed paragraph break). “Restore earlier” brings back what the earlier version held, as a new change by you.", Style: inlineStyle()},
	)
	legend.Wrapping = fyne.TextWrapWord
	ds.body = container.NewVBox()
	ds.fill()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(exp, back), subHeading(export.DiffHeading(ds.d))),
		flowText(sub), flowText(legend), widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(ds.body))
}

func (ds *diffScreen) back() {
	if ds.pop != nil && ds.ws.current == ds {
		ds.pop()
		return
	}
	ds.ws.show(outlineItem{kind: kindHistory})
}

// fill lays the comparison out.
func (ds *diffScreen) fill() {
	d, b := ds.d, ds.body
	b.Objects = nil
	if d.Empty() {
		l := widget.NewLabel("The two versions hold the same plan: nothing changed between them.")
		l.Wrapping = fyne.TextWrapWord
		b.Add(l)
		return
	}
	b.Add(wrapped(diffCounts(d)))
	if len(d.Plan) > 0 {
		b.Add(headingRow("The plan’s heading and vision", nil))
		for _, f := range d.Plan {
			b.Add(ds.field(f, ds.planFieldTarget(f)))
		}
	}
	for _, c := range d.Commitments {
		b.Add(widget.NewSeparator())
		head := fmt.Sprintf("Commitment %d: %s — %s", c.Number, orDefault(c.Title, "Untitled"), c.Change)
		if c.FromNumber != 0 {
			head = fmt.Sprintf("Commitment %d (was %d): %s — %s", c.Number, c.FromNumber, orDefault(c.Title, "Untitled"), c.Change)
		}
		var act fyne.CanvasObject
		switch c.Change {
		case doc.Removed:
			act = ds.restoreButton("Restore this commitment", restoreTarget{kind: doc.ItemCommitment, id: c.ID, title: c.Title}, true)
		case doc.Changed:
			act = ds.restoreButton("Restore all of it as it was", restoreTarget{kind: doc.ItemCommitment, id: c.ID, title: c.Title}, false)
		}
		b.Add(headingRow(head, act))
		if c.Change != doc.Changed {
			// Added or removed whole: its fields as they stand, in one colour.
			for _, f := range c.Fields {
				b.Add(ds.field(f, nil))
			}
		} else {
			for _, f := range c.Fields {
				b.Add(ds.field(f, &restoreTarget{kind: "field", id: c.ID, sub: f.Field,
					what: fmt.Sprintf("the field “%s” of commitment %d “%s”", f.Label, c.Number, c.Title)}))
			}
		}
		for _, m := range c.Milestones {
			t := &restoreTarget{kind: doc.ItemMilestone, id: c.ID, sub: m.ID, title: m.Title}
			ds.item(fmt.Sprintf("Milestone “%s” — %s", orDefault(m.Title, "untitled"), m.Change), m, t)
		}
	}
	for _, it := range d.Timeline {
		b.Add(widget.NewSeparator())
		ds.item(fmt.Sprintf("Timeline entry “%s” — %s", orDefault(it.Title, "untitled"), it.Change), it,
			&restoreTarget{kind: doc.ItemTimeline, id: it.ID, title: it.Title})
	}
	for _, it := range d.Notes {
		b.Add(widget.NewSeparator())
		ds.item(fmt.Sprintf("Meeting notes “%s” — %s", orDefault(it.Title, "untitled"), it.Change), it,
			&restoreTarget{kind: doc.ItemNote, id: it.ID, title: it.Title})
	}
}

// item lays out a milestone, timeline entry or set of notes that changed,
// with a restore button unless the earlier version did not have it.
func (ds *diffScreen) item(head string, it doc.ItemDiff, t *restoreTarget) {
	var act fyne.CanvasObject
	if it.Change != doc.Added {
		act = ds.restoreButton("Restore earlier", *t, it.Change == doc.Removed)
	}
	ds.body.Add(headingRow(head, act))
	for _, f := range it.Fields {
		ds.body.Add(ds.field(f, nil))
	}
}

// planFieldTarget is how a field of the plan's heading is restored; nil
// when it cannot be on its own (the period is two dates).
func (ds *diffScreen) planFieldTarget(f doc.FieldDiff) *restoreTarget {
	switch f.Field {
	case "vision":
		return &restoreTarget{kind: "text", ref: doc.VisionText()}
	case "title", "country":
		return &restoreTarget{kind: "planfield", sub: f.Field, value: f.From, what: "the plan's " + strings.ToLower(f.Label)}
	}
	return nil
}

// field shows one field's word diff under its label, with a restore
// button when t says how to restore it.
func (ds *diffScreen) field(f doc.FieldDiff, t *restoreTarget) fyne.CanvasObject {
	var act fyne.CanvasObject
	if t != nil {
		act = ds.restoreButton("Restore earlier", *t, false)
	}
	label := sectionLabel(f.Label)
	label.Wrapping = fyne.TextWrapWord
	head := fyne.CanvasObject(label)
	if act != nil {
		head = container.NewBorder(nil, nil, nil, act, label)
	}
	return container.NewVBox(head, container.NewPadded(wordDiff(f.Words)))
}

func (ds *diffScreen) restoreButton(label string, t restoreTarget, gone bool) fyne.CanvasObject {
	b := widget.NewButtonWithIcon(label, theme.ContentUndoIcon(), func() {
		ds.ws.confirmRestore(t, ds.from, gone, nil)
	})
	b.Importance = widget.LowImportance
	return b
}

func (ds *diffScreen) refresh(bool) {}
func (ds *diffScreen) close()       {}

// headingRow is a commitment's or item's heading in a comparison, with its
// restore button.
func headingRow(s string, act fyne.CanvasObject) fyne.CanvasObject {
	l := sectionLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.HighImportance
	if act == nil {
		return l
	}
	return container.NewBorder(nil, nil, nil, act, l)
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// flowText holds wrapped text outside a scroller. A window measures new
// content laid out at its minimum size, where a wrapped label is narrow
// and measures one word a line, and grows to fit: it opened 1,700 pixels
// tall on the History screen. Narrower than flowNarrow the text counts as
// one line; once laid out wider it asks the window to measure again, so a
// text of several lines gets them.
func flowText(o fyne.CanvasObject) fyne.CanvasObject {
	l := &flowLayout{}
	l.c = container.New(l, o)
	return l.c
}

type flowLayout struct {
	c        *fyne.Container
	line     float32
	reported float32 // the height MinSize last gave
}

func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if o.Size().Width < flowNarrow {
			if l.line == 0 {
				l.line = widget.NewLabel("X").MinSize().Height
			}
			h = max(h, l.line)
			continue
		}
		h = max(h, o.MinSize().Height)
	}
	l.reported = h
	return fyne.NewSize(100, h)
}

// flowNarrow is the width below which flowText takes itself for unmeasured.
const flowNarrow = 200

func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	h := float32(0)
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	if h != l.reported && l.c != nil {
		l.reported = h
		l.c.Refresh() // the canvas then lays the parents out again
	}
}

// dialogWidth is how wide a dialog's wrapped text is laid out.
const dialogWidth = 440

// inDialog gives a wrapped label its width before a dialog measures it: a
// dialog sizes and centres itself on its content's minimum size, and a
// wrapped label with no width yet measures one word a line.
func inDialog(l *widget.Label) fyne.CanvasObject {
	return container.New(fixedWidth(dialogWidth), l)
}

// fixedWidth lays its objects out at one width, as tall as they need.
type fixedWidth float32

func (w fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		if o.Size().Width != float32(w) {
			o.Resize(fyne.NewSize(float32(w), o.MinSize().Height))
		}
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(size.Width, max(size.Height, o.MinSize().Height)))
	}
}

// diffCounts says in words how much changed.
func diffCounts(d doc.PlanDiff) string {
	n := map[string]int{}
	for _, c := range d.Commitments {
		n[c.Change]++
	}
	var parts []string
	for _, k := range []string{doc.Changed, doc.Added, doc.Removed} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", plural(n[k], "commitment"), k))
		}
	}
	if len(d.Plan) > 0 {
		parts = append(parts, "the plan's heading or vision changed")
	}
	if k := len(d.Timeline); k > 0 {
		parts = append(parts, fmt.Sprintf("%d timeline %s changed", k, map[bool]string{true: "entry", false: "entries"}[k == 1]))
	}
	if k := len(d.Notes); k > 0 {
		parts = append(parts, plural(k, "set")+" of meeting notes changed")
	}
	return capitalise(strings.Join(parts, "; ")) + "."
}

func inlineStyle() widget.RichTextStyle { return widget.RichTextStyle{Inline: true} }

func insertStyle() widget.RichTextStyle {
	return widget.RichTextStyle{Inline: true, ColorName: theme.ColorNameSuccess, TextStyle: fyne.TextStyle{Bold: true}}
}

func deleteStyle() widget.RichTextStyle {
	return widget.RichTextStyle{Inline: true, ColorName: theme.ColorNameError, TextStyle: fyne.TextStyle{Italic: true}}
}

// diffContext is how much unchanged text is kept either side of a change;
// a longer stretch is cut to " … ".
const diffContext = 160

// wordDiff renders a word diff inline: added words green and bold,
// removed ones red and italic, long unchanged stretches shortened.
func wordDiff(cs []textdiff.Chunk) *widget.RichText {
	var segs []widget.RichTextSegment
	for i, c := range cs {
		text := c.Text
		switch c.Op {
		case textdiff.Equal:
			text = elide(text, i > 0, i < len(cs)-1)
			segs = append(segs, &widget.TextSegment{Text: text, Style: inlineStyle()})
		case textdiff.Insert:
			if i > 0 && cs[i-1].Op == textdiff.Delete && !strings.HasSuffix(cs[i-1].Text, " ") && !strings.HasPrefix(text, " ") {
				// A word replaced by another: kept apart on screen only.
				segs = append(segs, &widget.TextSegment{Text: " ", Style: inlineStyle()})
			}
			segs = append(segs, &widget.TextSegment{Text: text, Style: insertStyle()})
		case textdiff.Delete:
			// A removed line break is not in the later text: shown as a mark.
			segs = append(segs, &widget.TextSegment{Text: strings.ReplaceAll(text, "\n", " ¶ "), Style: deleteStyle()})
		}
	}
	if len(segs) == 0 {
		segs = append(segs, &widget.TextSegment{Text: "(empty)", Style: inlineStyle()})
	}
	rt := widget.NewRichText(segs...)
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// elide shortens an unchanged stretch, keeping diffContext code points
// next to the change before it (before) and the one after it (after).
func elide(s string, before, after bool) string {
	rs := []rune(s)
	keep := 0
	if before {
		keep += diffContext
	}
	if after {
		keep += diffContext
	}
	if len(rs) <= keep+40 {
		return s
	}
	head, tail := "", ""
	if before {
		head = cutAtSpace(string(rs[:diffContext]), false)
	}
	if after {
		tail = cutAtSpace(string(rs[len(rs)-diffContext:]), true)
	}
	return head + " … " + tail
}

// cutAtSpace trims s to whole words: its end (or, with fromStart, its
// start) is cut back to a space.
func cutAtSpace(s string, fromStart bool) string {
	if fromStart {
		if i := strings.IndexAny(s, " \n"); i >= 0 && i < len(s)/2 {
			return s[i+1:]
		}
		return s
	}
	if i := strings.LastIndexAny(s, " \n"); i > len(s)/2 {
		return s[:i]
	}
	return s
}

// diffFormats are the formats a comparison is exported in.
var diffFormats = []string{"HTML page", "Markdown"}

func (ds *diffScreen) exportDialog() {
	format := widget.NewRadioGroup(diffFormats, nil)
	format.SetSelected(diffFormats[0])
	hint := wrapped("A page anyone can read: each commitment and field that changed, with the words added and removed. Civil society can publish it as “draft against final”.")
	hint.Importance = widget.LowImportance
	dialog.ShowForm("Export diff", "Choose file…", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Format", format), widget.NewFormItem("", inDialog(hint)),
	}, func(ok bool) {
		if !ok {
			return
		}
		ext := ".html"
		if format.Selected == "Markdown" {
			ext = ".md"
		}
		name := fileNameFor(ds.ws.plan.Info().Title) + "-" + fileNameFor(strings.ToLower(export.DiffHeading(ds.d))) + ext
		ds.ws.ui.pickSavePath(name, ext, func(path string) { ds.exportDiff(path, ext) })
	}, ds.ws.ui.win)
}

// exportDiff writes the comparison to path as HTML, or Markdown when ext
// is ".md".
func (ds *diffScreen) exportDiff(path, ext string) {
	d := ds.d
	ds.ws.ui.runTask("Exporting the diff", "Writing "+filepath.Base(path)+"…", false, func(*task) error {
		data := export.DiffHTML(d)
		if ext == ".md" {
			data = export.DiffMarkdown(d)
		}
		return atomicfile.WriteFile(path, data, 0o644)
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ds.ws.errorf(fmt.Errorf("exporting the diff: %w", err))
		default:
			ds.ws.ui.showInfo("Diff exported", "Saved the comparison as "+path+".")
		}
	})
}

// pickSavePath asks where to save a file named name (ending in ext), then
// hands on the path.
func (u *UI) pickSavePath(name, ext string, then func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		if !strings.HasSuffix(strings.ToLower(path), ext) {
			os.Remove(path) // the empty file the dialog made
			path += ext
		}
		then(path)
	}, u.win)
	d.SetFileName(name)
	d.Show()
}
