package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// beforePlanAction saves the welcome screen's profile when it is showing.
func (u *UI) beforePlanAction() bool {
	if u.stillOpening() {
		return false
	}
	if u.wel == nil {
		return true
	}
	if err := u.wel.ensureProfile(); err != nil {
		u.showError(err)
		return false
	}
	return true
}

// newPlanDialog asks for a plan's title, country and period, and creates it.
func (u *UI) newPlanDialog() {
	if !u.beforePlanAction() {
		return
	}
	title := widget.NewEntry()
	title.SetPlaceHolder("e.g. Fourth National Action Plan")
	country := widget.NewEntry()
	country.SetPlaceHolder("Country or local government")
	start := widget.NewEntry()
	start.SetPlaceHolder("YYYY or YYYY-MM-DD")
	end := widget.NewEntry()
	end.SetPlaceHolder("YYYY or YYYY-MM-DD")
	y := now().Year()
	start.SetText(fmt.Sprint(y + 1))
	end.SetText(fmt.Sprint(y + 2))
	items := []*widget.FormItem{
		widget.NewFormItem("Title", title),
		widget.NewFormItem("Country", country),
		widget.NewFormItem("Period starts", start),
		widget.NewFormItem("Period ends", end),
	}
	d := dialog.NewForm("New action plan", "Create", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		if err := u.createPlan(title.Text, country.Text, start.Text, end.Text); err != nil {
			u.showError(err)
		}
	}, u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// createPlan makes a plan in the library and opens it.
func (u *UI) createPlan(title, country, start, end string) error {
	p, err := u.cfg.Library.Create(title, country, start, end, u.cfg.Author)
	if err != nil {
		return planInputError(err)
	}
	u.setPlan(p)
	return nil
}

// planInputError turns a doc validation error into a sentence for a dialog.
func planInputError(err error) error {
	if errors.Is(err, doc.ErrInvalid) {
		msg := strings.TrimPrefix(err.Error(), doc.ErrInvalid.Error()+": ")
		return fmt.Errorf("please check the plan details: %s", msg)
	}
	return err
}

// joinDialog asks for an invite code and joins the plan it names.
func (u *UI) joinDialog() {
	if !u.beforePlanAction() {
		return
	}
	if u.cfg.Sync == nil {
		u.showError(errors.New("peer sync is not available in this build"))
		return
	}
	code := widget.NewMultiLineEntry()
	code.SetPlaceHolder("Type the short code a colleague reads out (like 7-penguin-pretzel), or paste the long code they sent")
	code.Wrapping = fyne.TextWrapBreak
	code.SetMinRowsVisible(4)
	d := dialog.NewForm("Join a plan", "Join", "Cancel", []*widget.FormItem{widget.NewFormItem("Invite code", code)}, func(ok bool) {
		if !ok {
			return
		}
		c := joinCodeText(code.Text)
		if c == "" {
			u.showError(errors.New("the invite code is empty"))
			return
		}
		u.join(c)
	}, u.win)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// joinCodeText is the code as typed or pasted: a short code keeps the
// spaces between its words, a full one loses the line breaks and spaces
// it was wrapped or grouped with. The sync layer reads up to 64
// characters as a short code.
func joinCodeText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return strings.Join(strings.Fields(s), "")
	}
	return s
}

// joinTimeout is how long a join waits for the colleague who invited us.
const joinTimeout = 2 * time.Minute

// join redeems an invite code off the UI thread, then opens the plan.
func (u *UI) join(code string) {
	if u.stillOpening() {
		return
	}
	svc, author := u.cfg.Sync, u.cfg.Author
	var id string
	u.runTask("Joining a plan", "Looking for the colleague who invited you on the network, then receiving the plan…", true, func(t *task) error {
		ctx, cancel := context.WithTimeout(t.ctx, joinTimeout)
		defer cancel()
		var err error
		id, err = svc.Join(ctx, code, author)
		return err
	}, func(err error) {
		switch {
		case canceled(err) && id != "" && !u.closed:
			u.showInfo("Joined", "The plan had arrived before Cancel took effect: it is among your plans (File > Open plan…).")
		case canceled(err):
		case errors.Is(err, ErrCodeGarbled):
			u.showError(errors.New("that invite code is incomplete or mistyped: copy all of it again (the inviter's Copy code button takes the whole code), or ask for a short code to type, like 7-penguin-pretzel"))
		case err != nil:
			u.showError(fmt.Errorf("could not join with that code: %w", err))
		default:
			u.openPlan(id, "", u.showError)
		}
	})
}

var coplanFilter = storage.NewExtensionFileFilter([]string{doc.FileExt})

// openFileDialog imports a .coplan file as a plan (merging it if the plan
// is already here) and opens it.
func (u *UI) openFileDialog() {
	if !u.beforePlanAction() {
		return
	}
	u.pickCoplanFile()
}

// mergeDialog merges a .coplan file into the open plan (or opens it, if it
// is another plan).
func (u *UI) mergeDialog() {
	if u.plan == nil {
		u.openFileDialog()
		return
	}
	u.pickCoplanFile()
}

// pickCoplanFile asks for a .coplan file and imports it: merged into the
// open plan when it is a copy of it, otherwise opened as a plan.
func (u *UI) pickCoplanFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		u.importFile(path, nil)
	}, u.win)
	d.SetFilter(coplanFilter)
	d.Show()
}

// readImport reads a file to import; tests slow it down.
var readImport = os.ReadFile

// importFile, off the UI thread, merges a .coplan file into the open plan
// when it is a copy of it, and otherwise adds it to the library and
// switches to it; then it runs next (the next file dropped), if any.
// Cancel works until the file has been read; merging is not undone.
func (u *UI) importFile(path string, next func()) {
	if u.stillOpening() {
		return
	}
	open, lib, author, name := u.plan, u.cfg.Library, u.cfg.Author, baseName(path)
	var (
		merged, isNew bool
		rep           doc.MergeReport
		p             *doc.Plan
	)
	u.runTask("Importing "+name, "Reading "+name+"…", true, func(t *task) error {
		data, err := readImport(path)
		if err != nil {
			return err
		}
		saved, err := doc.DecodeFile(data)
		if err != nil {
			return fmt.Errorf("%s is not a Coplan plan file: %w", name, err)
		}
		if !t.commit() {
			return context.Canceled
		}
		if open != nil {
			t.say("Merging " + name + " into the plan…")
			rep, err = open.Merge(saved)
			if err == nil {
				merged = true
				return nil
			}
			if !errors.Is(err, doc.ErrInvalid) {
				return fmt.Errorf("merging %s: %w", name, err)
			}
			// Another plan: import it alongside.
			open.Commit()
		}
		t.say("Adding " + name + " to the plans on this laptop…")
		p, isNew, rep, err = lib.Import(path, author)
		if err != nil {
			return fmt.Errorf("importing %s: %w", name, err)
		}
		return nil
	}, func(err error) {
		switch {
		case canceled(err):
			u.dispose(p, nil)
			return
		case err != nil:
			u.showError(err)
		case merged:
			u.afterMerge(path, rep)
		default:
			u.setPlan(p)
			if isNew {
				u.showInfo("Plan imported", fmt.Sprintf("%s is now on this laptop.", p.Info().Title))
			} else {
				u.afterMerge(path, rep)
			}
		}
		if next != nil {
			next()
		}
	})
}

func (u *UI) afterMerge(path string, rep doc.MergeReport) {
	if u.ws != nil {
		u.ws.drain()
	}
	if rep.Changes == 0 {
		u.showInfo("Nothing new", fmt.Sprintf("Everything in %s was already here.", baseName(path)))
		return
	}
	var who []string
	for name, n := range rep.ByAuthor {
		who = append(who, fmt.Sprintf("%s (%d)", name, n))
	}
	sort.Strings(who)
	u.showInfo("Merged", fmt.Sprintf("Merged %s from %s: %s.", plural(rep.Changes, "change"), baseName(path), strings.Join(who, ", ")))
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// exportDialog saves the open plan as a .coplan file.
func (u *UI) exportDialog() {
	if u.plan == nil {
		return
	}
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
		if !strings.HasSuffix(path, doc.FileExt) {
			os.Remove(path)
			path += doc.FileExt
		}
		u.exportFile(path)
	}, u.win)
	d.SetFileName(fileNameFor(u.plan.Info().Title) + doc.FileExt)
	d.SetFilter(coplanFilter)
	d.Show()
}

// exportFile writes the open plan to path off the UI thread. It cannot be
// cancelled: the file is written atomically, whole or not at all.
func (u *UI) exportFile(path string) {
	if u.plan == nil || u.stillOpening() {
		return
	}
	p := u.plan
	u.runTask("Exporting", "Saving the plan as "+baseName(path)+"…", false, func(*task) error {
		return p.ExportFile(path)
	}, func(err error) {
		switch {
		case canceled(err): // the window closed
		case err != nil:
			u.showError(fmt.Errorf("exporting: %w", err))
		default:
			u.showInfo("Exported", fmt.Sprintf("Saved the plan as %s. Send it to a colleague, who can merge it with theirs.", baseName(path)))
		}
	})
}

func fileNameFor(title string) string {
	f := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		case r == ' ' || r == '_':
			return '-'
		}
		return -1
	}, title)
	if f == "" {
		return "plan"
	}
	return strings.ToLower(f)
}

// onDropped merges .coplan files dropped on the window, one after another.
func (u *UI) onDropped(_ fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, uri := range uris {
		if strings.EqualFold(uri.Extension(), doc.FileExt) {
			paths = append(paths, uri.Path())
		}
	}
	if len(paths) == 0 {
		if len(uris) > 0 {
			u.showError(errors.New("only .coplan files can be dropped here: they are merged into the plan"))
		}
		return
	}
	if u.beforePlanAction() {
		u.importFiles(paths)
	}
}

func (u *UI) importFiles(paths []string) {
	if len(paths) > 0 {
		u.importFile(paths[0], func() { u.importFiles(paths[1:]) })
	}
}

// profileDialog edits the name, organisation and side edits are signed with.
func (u *UI) profileDialog() {
	if u.stillOpening() {
		return // the plan loading would carry the old name
	}
	name := widget.NewEntry()
	name.SetText(u.cfg.Author.Name)
	org := widget.NewEntry()
	org.SetText(u.cfg.Author.Org)
	side := widget.NewRadioGroup([]string{sideLabel(doc.Government), sideLabel(doc.CivilSociety)}, nil)
	side.Horizontal = true
	if u.cfg.Author.Side != "" {
		side.SetSelected(sideLabel(u.cfg.Author.Side))
	}
	dialog.ShowForm("Your profile", "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Name", name), widget.NewFormItem("Organisation", org), widget.NewFormItem("Side", side),
	}, func(ok bool) {
		if !ok {
			return
		}
		a := u.cfg.Author
		a.Name, a.Org = strings.TrimSpace(name.Text), strings.TrimSpace(org.Text)
		if a.Name == "" {
			u.showError(errors.New("your name cannot be empty"))
			return
		}
		a.Side = doc.Government
		if side.Selected == sideLabel(doc.CivilSociety) {
			a.Side = doc.CivilSociety
		}
		if u.cfg.SaveProfile != nil {
			if err := u.cfg.SaveProfile(a); err != nil {
				u.showError(err)
				return
			}
		}
		u.cfg.Author = a
		u.setTitle(u.titlePlan)
		if u.plan != nil {
			// Reopen so new edits carry the new name.
			id := u.plan.ID()
			if err := u.OpenPlan(id); err != nil {
				u.showError(err)
			}
		}
	}, u.win)
}

// switchPlanDialog lists the plans in the library.
func (u *UI) switchPlanDialog() {
	infos, errs := u.cfg.Library.List()
	if len(infos) == 0 {
		u.showError(errors.Join(append([]error{errors.New("no plans on this laptop yet")}, errs...)...))
		return
	}
	var d dialog.Dialog
	box := container.NewVBox()
	for _, in := range infos {
		id, title := in.ID, in.Title
		b := widget.NewButtonWithIcon(in.Title, theme.DocumentIcon(), func() {
			d.Hide()
			if u.plan != nil && u.plan.ID() == id || u.stillOpening() || u.openCached(id) {
				return
			}
			u.openPlan(id, title, u.showError)
		})
		b.Alignment = widget.ButtonAlignLeading
		box.Add(b)
	}
	d = dialog.NewCustom("Open a plan", "Cancel", container.NewVScroll(box), u.win)
	d.Resize(fyne.NewSize(480, 360))
	d.Show()
}
