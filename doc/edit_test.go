package doc

import (
	"errors"
	"slices"
	"testing"
)

// The typed setters write what they name, say so in the change message,
// and refuse values the document cannot hold.
func TestCommitmentSetters(t *testing.T) {
	p := newTestPlan(t)
	id, err := p.AddCommitment(NewCommitment{Title: "Open contracting"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		set   func() error
		check func(Commitment) bool
		msg   string // the change message, "" when refused
		bad   error
	}{
		{"lead", func() error { return p.SetCommitmentShort(id, FieldLead, " Ministry of Finance ") },
			func(c Commitment) bool { return c.Lead == "Ministry of Finance" }, "Edit the lead agency of commitment 1 “Open contracting”", nil},
		{"support", func() error { return p.SetCommitmentShort(id, FieldSupport, "Audit office") },
			func(c Commitment) bool { return c.Support == "Audit office" }, "Edit the supporting actors of commitment 1 “Open contracting”", nil},
		{"contact", func() error { return p.SetCommitmentShort(id, FieldContact, "ann@example.org") },
			func(c Commitment) bool { return c.Contact == "ann@example.org" }, "Edit the contact of commitment 1 “Open contracting”", nil},
		{"org", func() error { return p.SetCommitmentShort(id, FieldOrg, "Open Gov Network") },
			func(c Commitment) bool { return c.Origin.Org == "Open Gov Network" }, "Edit the proposing organisation of commitment 1 “Open contracting”", nil},
		{"by", func() error { return p.SetCommitmentShort(id, FieldBy, "Bryn") },
			func(c Commitment) bool { return c.Origin.By == "Bryn" }, "Edit the proposer of commitment 1 “Open contracting”", nil},
		{"side", func() error { return p.SetCommitmentSide(id, CivilSociety) },
			func(c Commitment) bool { return c.Origin.Side == CivilSociety }, "Edit the side of commitment 1 “Open contracting”", nil},
		{"state", func() error { return p.SetCommitmentState(id, Agreed) },
			func(c Commitment) bool { return c.State == Agreed }, "Move commitment 1 “Open contracting” to agreed", nil},
		{"start", func() error { return p.SetCommitmentStart(id, "2025-09-01") },
			func(c Commitment) bool { return c.Start == "2025-09-01" }, "Edit the start date of commitment 1 “Open contracting”", nil},
		{"end", func() error { return p.SetCommitmentEnd(id, "2027-06-30") },
			func(c Commitment) bool { return c.End == "2027-06-30" }, "Edit the end date of commitment 1 “Open contracting”", nil},
		{"end cleared", func() error { return p.SetCommitmentEnd(id, "") },
			func(c Commitment) bool { return c.End == "" }, "Edit the end date of commitment 1 “Open contracting”", nil},
		{"values", func() error { return p.SetCommitmentValues(id, Values{Transparency: true, Technology: true}) },
			func(c Commitment) bool { return c.Values == Values{Transparency: true, Technology: true} }, "Edit the OGP values of commitment 1 “Open contracting”", nil},
		{"one value", func() error { return p.SetCommitmentValue(id, "technology", false) },
			func(c Commitment) bool { return c.Values == Values{Transparency: true} }, "Edit the OGP values of commitment 1 “Open contracting”", nil},
		{"themes", func() error { return p.SetCommitmentThemes(id, []string{"procurement", "budgets"}) },
			func(c Commitment) bool { return slices.Equal(c.Themes, []string{"budgets", "procurement"}) }, "Edit the themes of commitment 1 “Open contracting”", nil},

		{"unknown short field", func() error { return p.SetCommitmentShort(id, ShortField(0), "x") }, nil, "", ErrUnknownField},
		{"no such commitment", func() error { return p.SetCommitmentShort("nope", FieldLead, "x") }, nil, "", ErrNotFound},
		{"no such state", func() error { return p.SetCommitmentState(id, State("maybe")) }, nil, "", ErrInvalid},
		{"no such side", func() error { return p.SetCommitmentSide(id, Side("press")) }, nil, "", ErrInvalid},
		{"bare year", func() error { return p.SetCommitmentStart(id, "2025") }, nil, "", ErrInvalid},
		{"no such day", func() error { return p.SetCommitmentEnd(id, "2025-02-30") }, nil, "", ErrInvalid},
		{"no such value", func() error { return p.SetCommitmentValue(id, "magic", true) }, nil, "", ErrInvalid},
		{"values of nothing", func() error { return p.SetCommitmentValues("nope", Values{}) }, nil, "", ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := p.Commitment(id)
			err := tc.set()
			if err == nil {
				err = p.Commit()
			}
			after, _ := p.Commitment(id)
			h, herr := p.ChangeLog()
			if herr != nil {
				t.Fatal(herr)
			}
			last := h[len(h)-1].Message
			if tc.bad != nil {
				if !errors.Is(err, tc.bad) {
					t.Fatalf("got %v, want %v", err, tc.bad)
				}
				if !equalCommitments(before, after) {
					t.Fatalf("a refused edit changed the commitment: %+v -> %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(after) {
				t.Fatalf("commitment is %+v", after)
			}
			if last != tc.msg {
				t.Fatalf("change message %q, want %q", last, tc.msg)
			}
		})
	}
	if got := FieldContact.String(); got != "contact" {
		t.Errorf("FieldContact.String() = %q", got)
	}
}

func equalCommitments(a, b Commitment) bool {
	return a.Lead == b.Lead && a.Support == b.Support && a.Contact == b.Contact && a.Origin == b.Origin &&
		a.State == b.State && a.Start == b.Start && a.End == b.End && a.Values == b.Values && slices.Equal(a.Themes, b.Themes)
}
