package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/export"
	"github.com/coplan/coplan/internal/atomicfile"
)

// Draft exports: the plan at any version that is not a signed release, for
// a meeting or a consultation, marked "Draft — not signed" with its
// version and date; and one meeting's notes on their own.

// exportFormat is a format a draft or notes are exported in.
type exportFormat struct {
	label, ext string
}

var (
	draftFormats = []exportFormat{{"PDF", ".pdf"}, {"HTML page", ".html"}, {"Markdown", ".md"}, {"JSON data", ".json"},
		{"Calendar of the timeline (.ics)", ".ics"}}
	notesFormats = []exportFormat{{"PDF", ".pdf"}, {"HTML page", ".html"}, {"Markdown", ".md"}}
)

func formatLabels(fs []exportFormat) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.label
	}
	return out
}

func formatByLabel(fs []exportFormat, label string) exportFormat {
	for _, f := range fs {
		if f.label == label {
			return f
		}
	}
	return fs[0]
}

// exportChoices are the versions a draft export offers: now, then the
// named versions, newest first; at (a version being viewed), if given,
// comes first.
func exportChoices(p *doc.Plan, at *versionChoice) ([]versionChoice, error) {
	var out []versionChoice
	if at != nil && at.v.Kind != doc.VersionNow {
		out = append(out, *at)
	}
	now, err := nowChoice(p)
	if err != nil {
		return nil, err
	}
	out = append(out, now)
	named, err := p.NamedVersions()
	if err != nil {
		return nil, err
	}
	for i := len(named) - 1; i >= 0; i-- {
		if at != nil && named[i].Ref == at.v.Ref && at.v.Ref != "" {
			continue
		}
		out = append(out, namedChoice(named[i]))
	}
	return out, nil
}

// exportDraftDialog asks which version and format, then where.
func (u *UI) exportDraftDialog(at *versionChoice) {
	if u.ws == nil {
		return
	}
	ws := u.ws
	choices, err := exportChoices(ws.plan, at)
	if err != nil {
		u.showError(err)
		return
	}
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = capitalise(strings.TrimPrefix(c.label, "the "))
	}
	version := widget.NewSelect(labels, nil)
	version.SetSelectedIndex(0)
	format := widget.NewRadioGroup(formatLabels(draftFormats), nil)
	format.SetSelected(draftFormats[0].label)
	hint := wrapped("Every page says “Draft — not signed” with the version and its date. Only a signed release (Releases) is exported without that mark.")
	hint.Importance = widget.LowImportance
	d := dialog.NewForm("Export draft", "Choose file…", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Version", version), widget.NewFormItem("Format", format), widget.NewFormItem("", inDialog(hint)),
	}, func(ok bool) {
		i := version.SelectedIndex()
		if !ok || i < 0 {
			return
		}
		f := formatByLabel(draftFormats, format.Selected)
		ch := choices[i]
		name := fileNameFor(ws.plan.Info().Title) + "-draft"
		if ch.v.Kind == doc.VersionDraft {
			name += "-" + fileNameFor(ch.v.Label)
		}
		u.pickSavePath(name+f.ext, f.ext, func(path string) { ws.exportDraft(ch, f.ext, path) })
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// exportDraft renders the plan at ch in the format ext names and writes
// it to path, off the UI thread. Cancel works until the file is written.
func (ws *workspace) exportDraft(ch versionChoice, ext, path string) {
	p := ws.plan
	ws.ui.runTask("Exporting a draft", "Reading the plan as of "+ch.label+"…", true, func(t *task) error {
		at := p
		if ch.v.Kind != doc.VersionNow {
			var err error
			if at, err = p.AtVersion(ch.v); err != nil {
				return err
			}
		}
		c := at.Content()
		if t.ctx.Err() != nil {
			return context.Canceled
		}
		t.say("Rendering " + filepath.Base(path) + "…")
		data, err := export.RenderDraft(p, ch.v, c, ext, time.Now())
		if err != nil {
			return err
		}
		if !t.commit() {
			return context.Canceled
		}
		t.say("Writing " + filepath.Base(path) + "…")
		return atomicfile.WriteFile(path, data, 0o644)
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ws.errorf(fmt.Errorf("exporting the draft: %w", err))
		default:
			ws.ui.showInfo("Draft exported", fmt.Sprintf("Saved the plan as of %s as %s, marked “Draft — not signed”.", ch.label, path))
		}
	})
}

// exportNotesDialog asks which meeting's notes and which format, then
// where; the notes go out on their own, nothing else of the plan.
func (u *UI) exportNotesDialog() {
	if u.ws == nil {
		return
	}
	ws := u.ws
	notes := ws.plan.Notes()
	if len(notes) == 0 {
		u.showInfo("No meeting notes", "The plan has no meeting notes yet.")
		return
	}
	labels := make([]string, len(notes))
	for i, n := range notes {
		labels[i] = fmt.Sprintf("%s  %s", n.Date, orDefault(n.Title, "Untitled"))
	}
	pick := widget.NewSelect(labels, nil)
	pick.SetSelectedIndex(len(labels) - 1)
	if n, ok := ws.current.(*notesScreen); ok {
		for i, nt := range notes {
			if nt.ID == n.current {
				pick.SetSelectedIndex(i)
			}
		}
	}
	format := widget.NewRadioGroup(formatLabels(notesFormats), nil)
	format.SetSelected(notesFormats[0].label)
	hint := wrapped("The notes' title, date, attendees and text, ready to publish: nothing else of the plan.")
	hint.Importance = widget.LowImportance
	d := dialog.NewForm("Export meeting notes", "Choose file…", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Meeting", pick), widget.NewFormItem("Format", format), widget.NewFormItem("", inDialog(hint)),
	}, func(ok bool) {
		i := pick.SelectedIndex()
		if !ok || i < 0 {
			return
		}
		f := formatByLabel(notesFormats, format.Selected)
		n := notes[i]
		name := fileNameFor(orDefault(n.Title, "meeting-notes")) + "-" + n.Date
		u.pickSavePath(name+f.ext, f.ext, func(path string) { ws.exportNotes(n.ID, f.ext, path) })
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// exportNotes writes the notes with ID id, as they are now, to path.
func (ws *workspace) exportNotes(id, ext, path string) {
	var note doc.Note
	found := false
	for _, n := range ws.plan.Notes() {
		if n.ID == id {
			note, found = n, true
		}
	}
	if !found {
		ws.errorf(fmt.Errorf("%w: those meeting notes were deleted", doc.ErrNotFound))
		return
	}
	ws.ui.runTask("Exporting meeting notes", "Writing "+filepath.Base(path)+"…", false, func(*task) error {
		var data []byte
		switch ext {
		case ".pdf":
			var err error
			if data, err = export.NotesPDF(note); err != nil {
				return err
			}
		case ".html":
			data = export.NotesHTML(note)
		default:
			data = export.NotesMarkdown(note)
		}
		return atomicfile.WriteFile(path, data, 0o644)
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ws.errorf(fmt.Errorf("exporting the meeting notes: %w", err))
		default:
			ws.ui.showInfo("Meeting notes exported", fmt.Sprintf("Saved the notes of “%s” as %s.", orDefault(note.Title, "the meeting"), path))
		}
	})
}
