package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
)

// shown is what `coplan show --json` prints about conflicts.
type shown struct {
	doc.Content
	Conflicts []doc.Conflict `json:"conflicts"`
}

func (u *user) conflicts(plan string) shown {
	u.t.Helper()
	var s shown
	out := u.ok("show", plan, "--json")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		u.t.Fatal(err)
	}
	if s.Conflicts == nil || !strings.Contains(out, `"conflicts": [`) {
		u.t.Fatalf("show --json has no conflicts list:\n%s", out)
	}
	return s
}

// swap carries each user's copy to the other on a file and merges it, as
// at a meeting without a network; it returns what each merge printed.
func swap(t *testing.T, plan string, a, b *user) (string, string) {
	t.Helper()
	fa, fb := filepath.Join(t.TempDir(), "a.coplan"), filepath.Join(t.TempDir(), "b.coplan")
	a.ok("export", plan, "-o", fa)
	b.ok("export", plan, "-o", fb)
	return a.ok("merge", plan, fb), b.ok("merge", plan, fa)
}

// Tim and Sophia set the lead agency and a milestone's end date offline;
// after merging both ways, show and show --json tell both of them, with who
// set each value; resolve keeps one, and after the next merge neither sees
// the conflict.
func TestConflictsShownAndResolved(t *testing.T) {
	sophia := newUser(t, "Sophia Patel", "Cabinet Office", "government")
	tim := newUser(t, "Tim Jones", "Open Knowledge", "civil-society")
	plan := sophia.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom", "--period", "2025-2027")
	sophia.ok("commitment", "add", plan, "--title", "Beneficial ownership", "--lead", "Cabinet Office")
	sophia.ok("milestone", "add", plan, "1", "--title", "Register opened", "--end", "2026-06-30")
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	sophia.ok("export", plan, "-o", stick)
	tim.ok("import", stick)
	if c := tim.conflicts(plan); len(c.Conflicts) != 0 {
		t.Fatalf("conflicts before anyone edited: %+v", c.Conflicts)
	}

	tim.ok("commitment", "set", plan, "1", "lead", "Companies House")
	sophia.ok("commitment", "set", plan, "1", "lead", "Department for Business and Trade")
	tim.ok("milestone", "set", plan, "1", "1", "end", "2026-09-30")
	sophia.ok("milestone", "set", plan, "1", "1", "end", "2026-12-31")
	sophia.ok("commitment", "set", plan, "1", "contact", "sophia@example.gov.uk") // one side only
	ma, mb := swap(t, plan, sophia, tim)
	for _, out := range []string{ma, mb} {
		if !strings.Contains(out, "2 open conflicts on short fields: coplan show "+plan+" lists them.") {
			t.Errorf("merge does not tell of the conflicts: %s", out)
		}
	}

	wantLead := map[string]string{"Companies House": "Tim Jones/Open Knowledge/civil-society",
		"Department for Business and Trade": "Sophia Patel/Cabinet Office/government"}
	for name, u := range map[string]*user{"sophia": sophia, "tim": tim} {
		s := u.conflicts(plan)
		if len(s.Conflicts) != 2 {
			t.Fatalf("%s: %d conflicts, want 2: %+v", name, len(s.Conflicts), s.Conflicts)
		}
		lead, end := s.Conflicts[0], s.Conflicts[1]
		if lead.Item.Name != "commitment 1" || lead.Field != "lead" || lead.Label != "lead agency" ||
			end.Item.Name != "commitment 1 milestone 1" || end.Field != "end" {
			t.Fatalf("%s: conflicts %+v", name, s.Conflicts)
		}
		got := map[string]string{}
		for _, v := range lead.Values {
			got[v.Value] = v.SetBy.Name + "/" + v.SetBy.Org + "/" + string(v.SetBy.Side)
			if v.SetBy.PeerID == "" || v.OpID == "" {
				t.Errorf("%s: value without its device or op: %+v", name, v)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(wantLead) {
			t.Errorf("%s: lead values %v, want %v", name, got, wantLead)
		}
		if s.Commitments[0].Contact != "sophia@example.gov.uk" {
			t.Errorf("%s: the one-sided edit did not merge: %q", name, s.Commitments[0].Contact)
		}

		text := u.ok("show", plan)
		for _, want := range []string{
			`Conflict: commitment 1 lead agency: `,
			`"Companies House" set by Tim Jones (Open Knowledge, civil society)`,
			`"Department for Business and Trade" set by Sophia Patel (Cabinet Office, government), verified`, // the founder's device signed for it

			`keep one with: coplan resolve ` + plan + ` --commitment 1 --field lead --keep VALUE`,
			`Conflict: commitment 1 milestone 1 end date: `,
			`coplan resolve ` + plan + ` --commitment 1 --milestone 1 --field end --keep VALUE`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: show lacks %q:\n%s", name, want, text)
			}
		}
	}

	// Tim keeps Companies House, typing only the start of it.
	if out := tim.ok("resolve", plan, "--commitment", "1", "--field", "lead", "--keep", "companies"); out != `Kept "Companies House" as commitment 1 lead agency.` {
		t.Errorf("resolve printed %q", out)
	}
	tim.ok("resolve", plan, "--commitment", "#1", "--milestone", "1", "--field", "end", "--keep", "2026-12-31")
	if s := tim.conflicts(plan); len(s.Conflicts) != 0 {
		t.Fatalf("tim still sees %+v", s.Conflicts)
	}
	if s := sophia.conflicts(plan); len(s.Conflicts) != 2 {
		t.Fatalf("sophia sees %d conflicts before the resolution reaches her, want 2", len(s.Conflicts))
	}
	ma, mb = swap(t, plan, sophia, tim)
	for name, u := range map[string]*user{"sophia": sophia, "tim": tim} {
		s := u.conflicts(plan)
		if len(s.Conflicts) != 0 {
			t.Errorf("%s: still %+v", name, s.Conflicts)
		}
		if c := s.Commitments[0]; c.Lead != "Companies House" || c.Milestones[0].End != "2026-12-31" {
			t.Errorf("%s: lead %q, end %q", name, c.Lead, c.Milestones[0].End)
		}
		if out := u.ok("show", plan); strings.Contains(out, "Conflict") {
			t.Errorf("%s: show still tells of a conflict:\n%s", name, out)
		}
	}
	if strings.Contains(ma+mb, "conflict") {
		t.Errorf("merge tells of conflicts after they closed: %s %s", ma, mb)
	}
	if h := sophia.ok("history", plan); !strings.Contains(h, `Keep “Companies House” as the lead agency of commitment 1 “Beneficial ownership”`) {
		t.Errorf("history lacks the resolution:\n%s", h)
	}
}

// resolve refuses what it cannot do, with a one-line reason, and writes
// nothing.
func TestResolveBadInput(t *testing.T) {
	sophia := newUser(t, "Sophia Patel", "Cabinet Office", "government")
	tim := newUser(t, "Tim Jones", "Open Knowledge", "civil-society")
	plan := sophia.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	sophia.ok("commitment", "add", plan, "--title", "Beneficial ownership", "--lead", "Cabinet Office")
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	sophia.ok("export", plan, "-o", stick)
	tim.ok("import", stick)
	tim.ok("commitment", "set", plan, "1", "lead", "Companies House")
	sophia.ok("commitment", "set", plan, "1", "lead", "Companies House Registry")
	swap(t, plan, sophia, tim)
	before := sophia.ok("history", plan, "--json")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no field", []string{"--commitment", "1", "--keep", "x"}, 2, "--field is required"},
		{"no keep", []string{"--commitment", "1", "--field", "lead"}, 2, "--keep is required"},
		{"two items", []string{"--commitment", "1", "--timeline", "x", "--field", "lead", "--keep", "x"}, 2, "name one item"},
		{"milestone alone", []string{"--milestone", "1", "--field", "end", "--keep", "x"}, 2, "name one item"},
		{"not a value", []string{"--commitment", "1", "--field", "lead", "--keep", "HM Treasury"}, 1,
			`"HM Treasury" is not one of the values of commitment 1 lead agency ("Companies House`},
		{"starts both", []string{"--commitment", "1", "--field", "lead", "--keep", "companies h"}, 1, "starts several values"},
		{"no conflict there", []string{"--commitment", "1", "--field", "contact", "--keep", ""}, 1, "no open conflict on commitment 1 contact"},
		{"unknown field", []string{"--commitment", "1", "--field", "colour", "--keep", "x"}, 1, `commitment field "colour"`},
		{"no such commitment", []string{"--commitment", "#7", "--field", "lead", "--keep", "x"}, 1, "not found: commitment #7"},
		{"plan field without conflict", []string{"--field", "title", "--keep", "UK NAP 6"}, 1, "no open conflict on plan title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := sophia.run(append([]string{"resolve", plan}, tc.args...)...)
			if code != tc.code || out != "" || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d naming %q", code, out, errs, tc.code, tc.want)
			}
		})
	}
	if after := sophia.ok("history", plan, "--json"); after != before {
		t.Error("a refused resolve wrote a change")
	}
	// The exact value is taken even though it starts the other one.
	sophia.ok("resolve", plan, "--commitment", "1", "--field", "lead", "--keep", "Companies House")
	if s := sophia.conflicts(plan); len(s.Conflicts) != 0 || s.Commitments[0].Lead != "Companies House" {
		t.Errorf("after resolving: %+v, lead %q", s.Conflicts, s.Commitments[0].Lead)
	}
}
