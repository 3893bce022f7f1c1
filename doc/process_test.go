package doc

import (
	"slices"
	"testing"
)

func TestTimelineAndNotes(t *testing.T) {
	p, err := NewPlan("Plan", "", "", "", Author{PeerID: "p1", Name: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	late, _ := p.AddTimeline("IRM report", "2026-06-01", "")
	early, _ := p.AddTimeline("Consultation", "2025-03-01", "online")
	n, _ := p.AddNote("2025-02-01", "Forum 1")
	if err := p.SetNoteField(n, "body", "Agreed the themes."); err != nil {
		t.Fatal(err)
	}
	tl := p.Timeline()
	if len(tl) != 2 || tl[0].ID != early || tl[1].ID != late || tl[0].Note != "online" {
		t.Fatalf("Timeline = %+v", tl)
	}
	c := p.Content()
	if !slices.Equal(tl, c.Timeline) || !slices.Equal(p.Notes(), c.Notes) {
		t.Fatalf("Timeline/Notes disagree with Content")
	}
}
