package app

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

func TestWindowSaysWhoseProfile(t *testing.T) {
	f := newFixture(t)
	want := "Coplan — Fourth National Action Plan — Ana Costa (Open Budget Coalition)"
	if got := f.ui.win.Title(); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got := f.ui.ws.status.who.Text; got != "Ana Costa (Open Budget Coalition)" {
		t.Errorf("status bar says %q", got)
	}
	// A plan renamed by a colleague renames the window, still naming Ana.
	if err := f.plan.SetPlanField("title", "UK NAP 2025–27"); err != nil {
		t.Fatal(err)
	}
	f.plan.Commit()
	f.ui.ws.drain()
	if got := f.ui.win.Title(); got != "Coplan — UK NAP 2025–27 — Ana Costa (Open Budget Coalition)" {
		t.Errorf("title after a rename %q", got)
	}

	// A first run has no profile yet: the title says so once it is given.
	lib, _ := doc.OpenLibrary(t.TempDir())
	u := New(test.NewTempApp(t), Config{Library: lib, ConfigDir: t.TempDir(), Author: doc.Author{PeerID: "12D3KooWNew"}})
	defer u.Close()
	if got := u.win.Title(); got != "Coplan" {
		t.Errorf("first-run title %q", got)
	}
	u.wel.name.SetText("Ann Minister")
	u.wel.org.SetText("Cabinet Office")
	u.wel.side.SetSelected(sideLabel(doc.Government))
	if err := u.wel.ensureProfile(); err != nil {
		t.Fatal(err)
	}
	if got := u.win.Title(); got != "Coplan — Ann Minister (Cabinet Office)" {
		t.Errorf("title after the profile %q", got)
	}
}
