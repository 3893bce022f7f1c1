package cli

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
)

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want doc.State
		bad  bool
	}{
		{"proposal", doc.Proposal, false},
		{"Under Discussion", doc.Discussion, false},
		{"discussion", doc.Discussion, false},
		{" agreed ", doc.Agreed, false},
		{"ADOPTED", doc.Adopted, false},
		{"not adopted", doc.NotAdopted, false},
		{"not-adopted", doc.NotAdopted, false},
		{"maybe", "", true},
		{"", "", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseState(tc.in)
			if tc.bad {
				if !errors.Is(err, doc.ErrInvalid) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("parseState(%q) = %q, %v; want one line wrapping ErrInvalid", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseState(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want doc.Values
		bad  string
	}{
		{"", doc.Values{}, ""},
		{"transparency", doc.Values{Transparency: true}, ""},
		{"Transparency, civic participation", doc.Values{Transparency: true, Participation: true}, ""},
		{"public-accountability,innovation", doc.Values{Accountability: true, Technology: true}, ""},
		{"technology-and-innovation, ,", doc.Values{Technology: true}, ""},
		{"transparency,magic", doc.Values{}, `OGP value "magic"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseValues(tc.in)
			if tc.bad != "" {
				if !errors.Is(err, doc.ErrInvalid) || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("parseValues(%q) = %+v, %v; want an error saying %s", tc.in, got, err, tc.bad)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseValues(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"open data", []string{"open data"}},
		{"procurement, open data ,budgets", []string{"procurement", "open data", "budgets"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := splitList(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("splitList(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// Each text form lands in the document as the typed value it names.
func TestSetCommitmentField(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := doc.NewPlan("Plan", "Freedonia", "2025", "2027", doc.Author{Name: "Ana", Side: doc.CivilSociety, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.AddCommitment(doc.NewCommitment{Title: "Open contracting"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field, value string
		check        func(doc.Commitment) bool
		bad          error
	}{
		{"title", "Open contracts", func(c doc.Commitment) bool { return c.Title == "Open contracts" }, nil},
		{"description", "Publish ŵ contracts.", func(c doc.Commitment) bool { return c.Description == "Publish ŵ contracts." }, nil},
		{"lead", "  Ministry of Finance ", func(c doc.Commitment) bool { return c.Lead == "Ministry of Finance" }, nil},
		{"support", "Audit office", func(c doc.Commitment) bool { return c.Support == "Audit office" }, nil},
		{"contact", "ana@example.org", func(c doc.Commitment) bool { return c.Contact == "ana@example.org" }, nil},
		{"org", "Open Gov Network", func(c doc.Commitment) bool { return c.Origin.Org == "Open Gov Network" }, nil},
		{"by", "Ana", func(c doc.Commitment) bool { return c.Origin.By == "Ana" }, nil},
		{"side", "gov", func(c doc.Commitment) bool { return c.Origin.Side == doc.Government }, nil},
		{"state", "under discussion", func(c doc.Commitment) bool { return c.State == doc.Discussion }, nil},
		{"start", "2025", func(c doc.Commitment) bool { return c.Start == "2025-01-01" }, nil},
		{"end", "2027-06-30", func(c doc.Commitment) bool { return c.End == "2027-06-30" }, nil},
		{"values", "transparency, accountability", func(c doc.Commitment) bool {
			return c.Values == doc.Values{Transparency: true, Accountability: true}
		}, nil},
		{"themes", "procurement, open data", func(c doc.Commitment) bool {
			return slices.Equal(c.Themes, []string{"open data", "procurement"})
		}, nil},
		{"end", "31/12/2026", nil, doc.ErrInvalid},
		{"state", "maybe", nil, doc.ErrInvalid},
		{"side", "press", nil, doc.ErrInvalid},
		{"values", "magic", nil, doc.ErrInvalid},
		{"colour", "red", nil, doc.ErrUnknownField},
	} {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			before, _ := p.Commitment(id)
			err := setCommitmentField(p, id, tc.field, tc.value)
			after, _ := p.Commitment(id)
			if tc.bad != nil {
				if !errors.Is(err, tc.bad) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("set %s %q: %v; want one line wrapping %v", tc.field, tc.value, err, tc.bad)
				}
				if !slices.Equal(before.Themes, after.Themes) || before.Values != after.Values || before.State != after.State ||
					before.End != after.End || before.Origin != after.Origin {
					t.Fatalf("a refused %s changed the commitment: %+v -> %+v", tc.field, before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("set %s %q: %v", tc.field, tc.value, err)
			}
			if !tc.check(after) {
				t.Fatalf("set %s %q: commitment is %+v", tc.field, tc.value, after)
			}
		})
	}
	for _, f := range commitmentFields {
		if err := setCommitmentField(p, id, f, ""); errors.Is(err, doc.ErrUnknownField) {
			t.Errorf("listed field %q is unknown to setCommitmentField", f)
		}
	}
}
