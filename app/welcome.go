package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/assets"
	"github.com/coplan/coplan/doc"
)

// welcome is the first screen: who you are, then New plan, Join with an
// invite code, or Open a .coplan file; and the plans already here.
type welcome struct {
	ui      *UI
	name    *widget.Entry
	org     *widget.Entry
	side    *widget.RadioGroup
	profile *fyne.Container
	plans   []doc.Info
}

func newWelcome(u *UI) *welcome { return &welcome{ui: u} }

func (w *welcome) buildUI() fyne.CanvasObject {
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(72, 72))
	title := widget.NewLabel("Welcome to Coplan")
	title.SizeName = theme.SizeNameHeadingText
	title.TextStyle = fyne.TextStyle{Bold: true}
	intro := widget.NewLabel("Draft your Open Government Partnership action plan together, government and civil society, " +
		"offline on your own laptop. Edits merge when you meet.")
	intro.Wrapping = fyne.TextWrapWord

	newBtn := widget.NewButtonWithIcon("New plan", theme.ContentAddIcon(), w.ui.newPlanDialog)
	newBtn.Importance = widget.HighImportance
	joinBtn := widget.NewButtonWithIcon("Join with an invite code", theme.LoginIcon(), w.ui.joinDialog)
	if w.ui.cfg.Sync == nil {
		joinBtn.Disable()
	}
	openBtn := widget.NewButtonWithIcon("Open a .coplan file", theme.FolderOpenIcon(), w.ui.openFileDialog)
	actions := container.NewGridWithColumns(3, newBtn, joinBtn, openBtn)

	parts := []fyne.CanvasObject{container.NewHBox(icon, container.NewVBox(layout.NewSpacer(), title, layout.NewSpacer())), intro}
	if w.ui.cfg.Author.Name == "" {
		parts = append(parts, w.profileForm())
	}
	parts = append(parts, widget.NewSeparator(), actions)
	if list := w.planList(); list != nil {
		parts = append(parts, widget.NewSeparator(), list)
	}
	body := container.NewVBox(parts...)
	return container.NewVScroll(container.NewCenter(container.New(&maxWidth{w: 720}, container.NewPadded(body))))
}

// profileForm asks who is drafting, once: every change is attributed to it.
func (w *welcome) profileForm() fyne.CanvasObject {
	w.name = widget.NewEntry()
	w.name.SetPlaceHolder("Your name")
	w.org = widget.NewEntry()
	w.org.SetPlaceHolder("Your ministry, agency or organisation")
	w.side = widget.NewRadioGroup([]string{sideLabel(doc.Government), sideLabel(doc.CivilSociety)}, nil)
	w.side.Horizontal = true
	w.side.Required = true
	a := w.ui.cfg.Author
	w.name.SetText(a.Name)
	w.org.SetText(a.Org)
	if a.Side != "" {
		w.side.SetSelected(sideLabel(a.Side))
	}
	head := widget.NewLabel("First, who are you? Colleagues see this next to your edits.")
	head.TextStyle = fyne.TextStyle{Bold: true}
	form := widget.NewForm(
		widget.NewFormItem("Name", w.name),
		widget.NewFormItem("Organisation", w.org),
		widget.NewFormItem("Side", w.side),
	)
	w.profile = container.NewVBox(head, form)
	return w.profile
}

// ensureProfile saves the profile typed on the welcome screen, if needed.
func (w *welcome) ensureProfile() error {
	if w.name == nil {
		return nil
	}
	name, org := strings.TrimSpace(w.name.Text), strings.TrimSpace(w.org.Text)
	if name == "" {
		return fmt.Errorf("please enter your name first: colleagues see it next to your edits")
	}
	if w.side.Selected == "" {
		return fmt.Errorf("please choose whether you draft for government or civil society")
	}
	side := doc.Government
	if w.side.Selected == sideLabel(doc.CivilSociety) {
		side = doc.CivilSociety
	}
	a := w.ui.cfg.Author
	a.Name, a.Org, a.Side = name, org, side
	if w.ui.cfg.SaveProfile != nil {
		if err := w.ui.cfg.SaveProfile(a); err != nil {
			return fmt.Errorf("saving your profile: %w", err)
		}
	}
	w.ui.cfg.Author = a
	w.ui.setTitle(w.ui.titlePlan)
	return nil
}

func (w *welcome) planList() fyne.CanvasObject {
	if w.ui.cfg.Library == nil {
		return nil
	}
	infos, _ := w.ui.cfg.Library.List()
	if len(infos) == 0 {
		return nil
	}
	w.plans = infos
	head := widget.NewLabel("Plans on this laptop")
	head.TextStyle = fyne.TextStyle{Bold: true}
	box := container.NewVBox(head)
	for _, in := range infos {
		id := in.ID
		label := in.Title
		if in.Country != "" {
			label += " · " + in.Country
		}
		if in.PeriodStart != "" {
			label += fmt.Sprintf(" · %s to %s", yearOf(in.PeriodStart), yearOf(in.PeriodEnd))
		}
		b := widget.NewButtonWithIcon(label, theme.DocumentIcon(), func() {
			if err := w.ensureProfile(); err != nil {
				w.ui.showError(err)
				return
			}
			if err := w.ui.OpenPlan(id); err != nil {
				w.ui.showError(err)
			}
		})
		b.Alignment = widget.ButtonAlignLeading
		box.Add(b)
	}
	return box
}

func yearOf(d string) string {
	if len(d) >= 4 {
		return d[:4]
	}
	return d
}

// maxWidth keeps a column readable on wide windows.
type maxWidth struct{ w float32 }

func (m *maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(0, 0)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(max(s.Width, m.w), s.Height)
}

func (m *maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}
