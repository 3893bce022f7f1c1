package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// Snapshot tests render the main screens at a fixed size with the test
// theme and fixed data; references live in testdata/. After an intended
// change, copy testdata/failed/*.png over them.
var snapSize = fyne.NewSize(1000, 700)

func snap(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	if raceEnabled {
		t.Skip("image snapshots are skipped under -race")
	}
	w.Canvas().Unfocus() // no blinking cursor in the picture
	w.Resize(snapSize)
	test.AssertImageMatches(t, name, w.Canvas().Capture())
}

func TestSnapshots(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	t.Run("overview", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindOverview})
		snap(t, w, "overview.png")
	})
	t.Run("commitment details", func(t *testing.T) {
		f.commitment(t, f.ids[0])
		snap(t, w, "commitment_details.png")
	})
	t.Run("commitment description", func(t *testing.T) {
		ce := f.commitment(t, f.ids[0])
		selectTab(t, ce.tabs, "Commitment")
		snap(t, w, "commitment_description.png")
	})
	t.Run("milestones", func(t *testing.T) {
		ce := f.commitment(t, f.ids[0])
		selectTab(t, ce.tabs, "Milestones")
		snap(t, w, "milestones.png")
	})
	t.Run("comments", func(t *testing.T) {
		ce := f.commitment(t, f.ids[0])
		selectTab(t, ce.tabs, "Comments")
		snap(t, w, "comments.png")
	})
	t.Run("members", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindMembers})
		snap(t, w, "members.png")
	})
	t.Run("timeline", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindTimeline})
		snap(t, w, "timeline.png")
	})
	t.Run("invite", func(t *testing.T) {
		f.sync.words = "7-penguin-pretzel"
		v := f.ui.invite()
		runHop(t) // the short code is open
		defer v.d.Hide()
		snap(t, w, "invite.png")
	})
	t.Run("filtered", func(t *testing.T) {
		f.ui.ws.outline.side.SetSelected(sideLabel(doc.CivilSociety))
		defer f.ui.ws.outline.clearFilters()
		f.open(t, outlineItem{kind: kindOverview})
		snap(t, w, "filtered.png")
	})
	t.Run("member selected", func(t *testing.T) {
		m := f.members(t)
		selectMember(t, m, bruno.PeerID)
		snap(t, w, "member_selected.png")
	})
	t.Run("releases", func(t *testing.T) {
		f.open(t, outlineItem{kind: kindReleases})
		snap(t, w, "releases.png")
	})
}

func TestSnapshotOpening(t *testing.T) {
	f := newFixture(t)
	f.commitment(t, f.ids[0])
	f.ui.Close()
	release := slowLoads(t)
	u := New(test.NewTempApp(t), f.cfg)
	defer func() {
		release()
		runHop(t)
		u.Close()
	}()
	u.preview.tabs.SelectIndex(2) // the description
	snap(t, u.win, "opening.png")
}

func TestSnapshotWelcome(t *testing.T) {
	a := test.NewTempApp(t)
	lib, _ := doc.OpenLibrary(t.TempDir())
	u := New(a, Config{Library: lib, ConfigDir: t.TempDir(), Author: keyedAuthor("", "", "")})
	defer u.Close()
	snap(t, u.win, "welcome.png")
}
