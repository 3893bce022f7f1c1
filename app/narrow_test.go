package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// minWidth is the narrowest window the issue tried.
var minWidth = fyne.NewSize(868, 700)

// layOut resizes the window twice, as a window manager does, so that
// layouts that depend on their width have settled.
func layOut(w fyne.Window, s fyne.Size) {
	w.Resize(s.AddWidthHeight(1, 1))
	w.Resize(s)
}

// textFits reports whether a label shows its whole text on one line.
func textFits(l *widget.Label) bool {
	th := l.Theme()
	w := fyne.MeasureText(l.Text, th.Size(l.SizeName), l.TextStyle).Width + 2*th.Size(theme.SizeNameInnerPadding)
	return l.Size().Width+0.5 >= w
}

// shownTabs counts the tab buttons an AppTabs shows in its bar, inside its
// bounds (the rest would be behind the overflow menu).
func shownTabs(tabs *container.AppTabs) int {
	n := 0
	walk(tabs, func(o fyne.CanvasObject) {
		if fmt.Sprintf("%T", o) != "*container.tabButton" || !o.Visible() {
			return
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		start := fyne.CurrentApp().Driver().AbsolutePositionForObject(tabs)
		end := start.Add(tabs.Size())
		if pos.X >= start.X && pos.Y >= start.Y && pos.X+o.Size().Width <= end.X+0.5 && pos.Y+o.Size().Height <= end.Y+0.5 {
			n++
		}
	})
	return n
}

func TestNarrowWindow(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	t.Run("plan title", func(t *testing.T) {
		long := "UK Open Government National Action Plan 2025–27: commitments co-created with civil society"
		if err := f.plan.SetPlanField("title", long); err != nil {
			t.Fatal(err)
		}
		f.plan.Commit()
		f.ui.ws.drain()
		layOut(w, minWidth)
		h := f.ui.ws.heading
		if h.Text != long || h.Truncation != fyne.TextTruncateOff {
			t.Fatalf("heading %q, truncation %v", h.Text, h.Truncation)
		}
		one := widget.NewLabel("X")
		one.TextStyle = h.TextStyle
		if h.Size().Height < one.MinSize().Height*1.5 {
			t.Errorf("a title too long for one line is not wrapped: %.0f px high", h.Size().Height)
		}
		if h.Size().Width < 200 {
			t.Errorf("the title has only %.0f px", h.Size().Width)
		}
	})
	t.Run("every commitment tab shows", func(t *testing.T) {
		for _, size := range []fyne.Size{minWidth, fyne.NewSize(1000, 700), fyne.NewSize(1400, 800)} {
			ce := f.commitment(t, f.ids[0])
			layOut(w, size)
			if n := shownTabs(ce.tabs); n != len(ce.tabs.Items) {
				t.Errorf("at %v wide %d of %d tabs show (the rest behind …)", size.Width, n, len(ce.tabs.Items))
			}
			if w.Canvas().Content().MinSize().Width > size.Width {
				t.Errorf("at %v wide the window needs %v", size.Width, w.Canvas().Content().MinSize().Width)
			}
		}
		layOut(w, fyne.NewSize(1400, 800))
		ce := f.ui.ws.current.(*commitmentEditor)
		if fit := ce.tabsBox.Layout.(*fitTabs); fit.side {
			t.Error("on a wide window the tabs are not along the top")
		}
	})
	t.Run("member columns", func(t *testing.T) {
		m := f.members(t)
		layOut(w, minWidth)
		var sides []*widget.Label
		walk(m.list, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && (l.Text == sideLabel(doc.Government) || l.Text == sideLabel(doc.CivilSociety)) {
				sides = append(sides, l)
			}
		})
		if len(sides) != 2 {
			t.Fatalf("found %d side cells", len(sides))
		}
		for _, l := range sides {
			if !textFits(l) {
				t.Errorf("%q is cut to %.0f px", l.Text, l.Size().Width)
			}
		}
	})
}

func TestPlurals(t *testing.T) {
	a := test.NewTempApp(t)
	lib, err := doc.OpenLibrary(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Create("Local plan", "Kaduna", "2025", "2026", ana)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddCommitment(doc.NewCommitment{Title: "Open budgets"}); err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	cfgDir := t.TempDir()
	(&appState{LastPlan: id}).save(cfgDir)
	u := New(a, Config{Library: lib, ConfigDir: cfgDir, Author: ana})
	defer u.Close()
	runHopsUntil(t, func() bool { return u.ws != nil })
	ws := u.ws
	ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
	var texts []string
	texts = append(texts, ws.current.(*overview).counts.Text, ws.outline.count.Text)
	ws.outline.selectKey(outlineItem{kind: kindMembers}.key())
	texts = append(texts, ws.current.(*membersScreen).summary.Text)
	for _, want := range []string{"1 commitment: 1 proposal", "1 commitment", "1 member: 0 government, 1 civil society"} {
		found := false
		for _, s := range texts {
			found = found || strings.HasPrefix(s, want)
		}
		if !found {
			t.Errorf("no %q in %q", want, texts)
		}
	}
	for _, s := range texts {
		if strings.Contains(s, "1 commitments") || strings.Contains(s, "1 members") {
			t.Errorf("%q", s)
		}
	}
	ws.outline.selectKey(outlineItem{kind: kindReleases}.key())
	r := ws.current.(*releasesScreen)
	var lines []string
	walk(r.readiness, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			lines = append(lines, l.Text)
		}
	})
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "no decision yet: it is still a proposal") || strings.Contains(all, "want adopted") {
		t.Errorf("the readiness check says:\n%s", all)
	}
	if plural(0, "change") != "0 changes" || plural(1, "change") != "1 change" || plural(2, "member") != "2 members" {
		t.Error("plural")
	}
}
