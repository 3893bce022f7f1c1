package doc

import (
	"slices"
	"testing"
)

func TestSearchCommitments(t *testing.T) {
	p, err := NewPlan("Plan", "Freedonia", "2025", "2027", keyedAuthor("Ana", "Open Gov Network", CivilSociety))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.AddCommitment(NewCommitment{Title: "Open contracting"})
	b, _ := p.AddCommitment(NewCommitment{Title: "Beneficial ownership", Side: Government, Org: "Ministry of Finance"})
	if err := p.SetText(CommitmentText(b, "description"), "A public register of company OWNERS."); err != nil {
		t.Fatal(err)
	}
	if err := p.SetCommitmentThemes(a, []string{"procurement"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{a, b}},
		{"owners", []string{b}},
		{"CONTRACT", []string{a}},
		{"procure", []string{a}},
		{"finance", []string{b}},
		{"open gov", []string{a}},
		{"nothing like this", nil},
	} {
		t.Run(tc.q, func(t *testing.T) {
			if got := p.SearchCommitments(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("SearchCommitments(%q) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestCommentsOn(t *testing.T) {
	p, err := NewPlan("Plan", "", "", "", keyedAuthor("Ana", "", CivilSociety))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.AddCommitment(NewCommitment{Title: "A"})
	b, _ := p.AddCommitment(NewCommitment{Title: "B"})
	c1, _ := p.AddComment(a, "first")
	p.AddComment(b, "elsewhere")
	c2, _ := p.AddComment(a+"/description", "on a field")
	got := p.CommentsOn(a)
	if len(got) != 2 || got[0].ID != c1 || got[1].ID != c2 || got[0].Body != "first" || got[0].Author != "Ana" {
		t.Fatalf("CommentsOn = %+v", got)
	}
	if n := len(p.CommentsOn("missing")); n != 0 {
		t.Fatalf("CommentsOn(missing) has %d", n)
	}
}
