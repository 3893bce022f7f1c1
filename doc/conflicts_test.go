package doc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/amext"
)

var (
	tim    = Author{PeerID: "12D3KooWTestTim", Name: "Tim Jones", Org: "Open Knowledge", Side: CivilSociety}
	sophia = Author{PeerID: "12D3KooWTestSophia", Name: "Sophia Patel", Org: "Cabinet Office", Side: Government}
	bryn   = Author{PeerID: "12D3KooWTestBryn", Name: "Bryn Evans", Org: "Audit Wales", Side: Government}
)

// mergeInto brings every change of from into to, as a sync or a .coplan
// copy would.
func mergeInto(t testing.TB, to, from *Plan) {
	t.Helper()
	saved, err := from.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := to.Merge(saved); err != nil {
		t.Fatal(err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// conflictBase is a plan with one commitment (lead set) and one milestone,
// committed, and two replicas of it: Tim's and Sophia's laptops.
func conflictBase(t testing.TB) (base, a, b *Plan, cid, mid string) {
	t.Helper()
	base = newTestPlan(t)
	cid, err := base.AddCommitment(NewCommitment{Title: "Beneficial ownership", Lead: "Cabinet Office"})
	must(t, err)
	mid, err = base.AddMilestone(cid, "Register opened")
	must(t, err)
	must(t, base.SetMilestoneField(cid, mid, "end", "2026-06-30"))
	must(t, base.Commit())
	return base, replica(t, base, tim), replica(t, base, sophia), cid, mid
}

// valuesBy maps each conflicting value to who set it.
func valuesBy(c Conflict) map[string]string {
	out := map[string]string{}
	for _, v := range c.Values {
		out[v.Value] = v.SetBy.Name + "/" + v.SetBy.Org + "/" + string(v.SetBy.Side) + "/" + v.SetBy.PeerID
	}
	return out
}

func who(a Author) string { return a.Name + "/" + a.Org + "/" + string(a.Side) + "/" + a.PeerID }

// Tim and Sophia set the lead agency while apart and merge both ways: both
// see one conflict with both values and who set each; keeping one (the
// value Automerge did not show) resolves it on both after merging again.
func TestLeadConflictBothSides(t *testing.T) {
	_, a, b, cid, _ := conflictBase(t)
	must(t, a.SetCommitmentShort(cid, FieldLead, "Companies House"))
	must(t, a.Commit())
	must(t, b.SetCommitmentShort(cid, FieldLead, "Department for Business and Trade"))
	must(t, b.Commit())
	mergeInto(t, a, b)
	mergeInto(t, b, a)

	want := map[string]string{"Companies House": who(tim), "Department for Business and Trade": who(sophia)}
	var seen [][]ConflictValue
	for name, p := range map[string]*Plan{"tim": a, "sophia": b} {
		cs := p.Conflicts()
		if len(cs) != 1 {
			t.Fatalf("%s: %d conflicts, want 1: %+v", name, len(cs), cs)
		}
		c := cs[0]
		if c.Item != (ConflictItem{Ref: "commitment/" + cid, Kind: "commitment", ID: cid, Name: "commitment 1"}) ||
			c.Field != "lead" || c.Label != "lead agency" {
			t.Errorf("%s: conflict %+v", name, c)
		}
		if got := valuesBy(c); !equalMaps(got, want) {
			t.Errorf("%s: values %v, want %v", name, got, want)
		}
		cm, err := p.Commitment(cid)
		must(t, err)
		shown := 0
		for _, v := range c.Values {
			if v.Shown {
				shown++
				if v.Value != cm.Lead {
					t.Errorf("%s: shown value %q, the plan reads %q", name, v.Value, cm.Lead)
				}
			}
			if v.Verified {
				t.Errorf("%s: %q verified, but nothing signs attributions yet", name, v.Value)
			}
		}
		if shown != 1 {
			t.Errorf("%s: %d values shown, want 1", name, shown)
		}
		seen = append(seen, c.Values)
	}
	if !slices.EqualFunc(seen[0], seen[1], func(a, b ConflictValue) bool {
		return a.Value == b.Value && a.SetBy.PeerID == b.SetBy.PeerID && a.SetBy.Name == b.SetBy.Name && a.Verified == b.Verified &&
			a.OpID == b.OpID && a.Shown == b.Shown
	}) {
		t.Errorf("the two sides list the values differently: %+v / %+v", seen[0], seen[1])
	}

	// Keep the value Automerge did not pick, so keeping visibly wins.
	var keep string
	for _, v := range seen[0] {
		if !v.Shown {
			keep = v.Value
		}
	}
	must(t, b.ResolveConflict("commitment/"+cid, "lead", keep))
	if cs := b.Conflicts(); len(cs) != 0 {
		t.Errorf("resolver still sees %+v before committing", cs)
	}
	must(t, b.Commit())
	if n := len(a.Conflicts()); n != 1 {
		t.Errorf("the other side sees %d conflicts before the resolution arrives, want 1", n)
	}
	mergeInto(t, a, b)
	mergeInto(t, b, a)
	for name, p := range map[string]*Plan{"tim": a, "sophia": b} {
		if cs := p.Conflicts(); len(cs) != 0 {
			t.Errorf("%s: still %+v after the resolution merged", name, cs)
		}
		cm, err := p.Commitment(cid)
		must(t, err)
		if cm.Lead != keep {
			t.Errorf("%s: lead %q, want the kept %q", name, cm.Lead, keep)
		}
	}
	h, err := b.History()
	must(t, err)
	last := h[len(h)-1]
	if last.Message != "Keep “"+keep+"” as the lead agency of commitment 1 “Beneficial ownership”" {
		t.Errorf("change message %q", last.Message)
	}
	if len(last.Edits) != 1 || last.Edits[0].Verb != VerbKeep || last.Edits[0].Item != ItemCommitment ||
		last.Edits[0].ID != cid || last.Edits[0].Field != "lead" || last.Edits[0].Value != keep {
		t.Errorf("edits read back %+v", last.Edits)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A third laptop's concurrent value joins the conflict; keeping one ends
// it for all three.
func TestThreeConcurrentValues(t *testing.T) {
	base, a, b, cid, _ := conflictBase(t)
	c := replica(t, base, bryn)
	for p, v := range map[*Plan]string{a: "Companies House", b: "Department for Business and Trade", c: "HM Treasury"} {
		must(t, p.SetCommitmentShort(cid, FieldLead, v))
		must(t, p.Commit())
	}
	for _, to := range []*Plan{a, b, c} {
		for _, from := range []*Plan{a, b, c} {
			if to != from {
				mergeInto(t, to, from)
			}
		}
	}
	want := map[string]string{"Companies House": who(tim), "Department for Business and Trade": who(sophia), "HM Treasury": who(bryn)}
	for i, p := range []*Plan{a, b, c} {
		cs := p.Conflicts()
		if len(cs) != 1 || !equalMaps(valuesBy(cs[0]), want) {
			t.Fatalf("replica %d: %+v, want one conflict with %v", i, cs, want)
		}
	}
	must(t, c.ResolveConflict("commitment/"+cid, "lead", "HM Treasury"))
	must(t, c.Commit())
	for _, p := range []*Plan{a, b} {
		mergeInto(t, p, c)
		if cs := p.Conflicts(); len(cs) != 0 {
			t.Errorf("after the resolution: %+v", cs)
		}
	}
}

// A milestone's end date set apart on both sides is a conflict on that
// milestone, named by its commitment and place.
func TestMilestoneDateConflict(t *testing.T) {
	_, a, b, cid, mid := conflictBase(t)
	m2, err := a.AddMilestone(cid, "Second milestone") // a milestone only one side has yet
	must(t, err)
	must(t, a.SetMilestoneField(cid, mid, "end", "2026-09-30"))
	must(t, a.Commit())
	must(t, b.SetMilestoneField(cid, mid, "end", "2026-12-31"))
	must(t, b.Commit())
	mergeInto(t, a, b)
	mergeInto(t, b, a)
	for _, p := range []*Plan{a, b} {
		cs := p.Conflicts()
		if len(cs) != 1 {
			t.Fatalf("%d conflicts, want 1: %+v", len(cs), cs)
		}
		c := cs[0]
		if c.Item.Kind != "milestone" || c.Item.ID != cid || c.Item.Milestone != mid || c.Item.Name != "commitment 1 milestone 1" ||
			c.Item.Ref != "milestone/"+cid+"/"+mid || c.Field != "end" || c.Label != "end date" {
			t.Errorf("conflict %+v", c)
		}
		if got, want := valuesBy(c), map[string]string{"2026-09-30": who(tim), "2026-12-31": who(sophia)}; !equalMaps(got, want) {
			t.Errorf("values %v, want %v", got, want)
		}
	}
	must(t, a.ResolveConflict("milestone/"+cid+"/"+mid, "end", "2026-12-31"))
	must(t, a.Commit())
	mergeInto(t, b, a)
	for _, p := range []*Plan{a, b} {
		if cs := p.Conflicts(); len(cs) != 0 {
			t.Errorf("after the resolution: %+v", cs)
		}
		cm, err := p.Commitment(cid)
		must(t, err)
		if cm.Milestones[0].End != "2026-12-31" || len(cm.Milestones) != 2 || cm.Milestones[1].ID != m2 {
			t.Errorf("milestones %+v", cm.Milestones)
		}
	}
}

// Edits one after another (each side saw the other's value before writing
// its own) and concurrent writes of the same value are no conflict.
func TestNoConflictWithoutRivalValues(t *testing.T) {
	t.Run("sequential", func(t *testing.T) {
		_, a, b, cid, _ := conflictBase(t)
		must(t, a.SetCommitmentShort(cid, FieldLead, "Companies House"))
		must(t, a.Commit())
		mergeInto(t, b, a)
		must(t, b.SetCommitmentShort(cid, FieldLead, "Department for Business and Trade"))
		must(t, b.Commit())
		mergeInto(t, a, b)
		for _, p := range []*Plan{a, b} {
			if cs := p.Conflicts(); len(cs) != 0 {
				t.Errorf("sequential edits: %+v", cs)
			}
		}
	})
	t.Run("same value", func(t *testing.T) {
		_, a, b, cid, _ := conflictBase(t)
		for _, p := range []*Plan{a, b} {
			must(t, p.SetCommitmentShort(cid, FieldLead, "Companies House"))
			must(t, p.Commit())
		}
		mergeInto(t, a, b)
		all, err := amext.MapGetAll(a.d, []any{"commitments", cid}, "lead")
		must(t, err)
		if len(all) != 2 {
			t.Fatalf("Automerge holds %d writes, want 2 (the test would prove nothing)", len(all))
		}
		if cs := a.Conflicts(); len(cs) != 0 {
			t.Errorf("two writes of one value: %+v", cs)
		}
		if err := a.ResolveConflict("commitment/"+cid, "lead", "Companies House"); !errors.Is(err, ErrNoConflict) {
			t.Errorf("resolving it: %v, want ErrNoConflict", err)
		}
	})
	t.Run("fresh plan", func(t *testing.T) {
		base, _, _, _, _ := conflictBase(t)
		if cs := base.Conflicts(); len(cs) != 0 {
			t.Errorf("fresh plan: %+v", cs)
		}
	})
}

// itemIDs are the items of the plan TestEveryShortFieldConflicts edits.
type itemIDs struct{ cid, mid, tid, nid string }

// Every short field, set apart on two sides through its own setter, is
// reported under its name; after each side keeps its own value at once the
// conflict is there again (two rival resolutions), and one more keep ends it.
func TestEveryShortFieldConflicts(t *testing.T) {
	plan := func(itemIDs) string { return "plan" }
	cref := func(x itemIDs) string { return "commitment/" + x.cid }
	mref := func(x itemIDs) string { return "milestone/" + x.cid + "/" + x.mid }
	tref := func(x itemIDs) string { return "timeline/" + x.tid }
	nref := func(x itemIDs) string { return "note/" + x.nid }
	// each setter writes vals[v] on replica v
	planSet := func(f string) func(*Plan, itemIDs, string) error {
		return func(p *Plan, _ itemIDs, v string) error { return p.SetPlanField(f, v) }
	}
	short := func(f ShortField) func(*Plan, itemIDs, string) error {
		return func(p *Plan, x itemIDs, v string) error { return p.SetCommitmentShort(x.cid, f, v) }
	}
	tick := func(name string) func(*Plan, itemIDs, string) error {
		return func(p *Plan, x itemIDs, v string) error { return p.SetCommitmentValue(x.cid, name, v == "true") }
	}
	ms := func(f string) func(*Plan, itemIDs, string) error {
		return func(p *Plan, x itemIDs, v string) error { return p.SetMilestoneField(x.cid, x.mid, f, v) }
	}
	tl := func(f string) func(*Plan, itemIDs, string) error {
		return func(p *Plan, x itemIDs, v string) error { return p.SetTimelineField(x.tid, f, v) }
	}
	nt := func(f string) func(*Plan, itemIDs, string) error {
		return func(p *Plan, x itemIDs, v string) error { return p.SetNoteField(x.nid, f, v) }
	}
	cases := []struct {
		ref   func(itemIDs) string
		field string
		set   func(p *Plan, x itemIDs, v string) error
		vals  [2]string
	}{
		{plan, "title", planSet("title"), [2]string{"NAP A", "NAP B"}},
		{plan, "country", planSet("country"), [2]string{"Wales", "Scotland"}},
		{plan, "periodStart", planSet("periodStart"), [2]string{"2025-02-01", "2025-03-01"}},
		{plan, "periodEnd", planSet("periodEnd"), [2]string{"2027-06-30", "2027-09-30"}},
		{cref, "lead", short(FieldLead), [2]string{"Companies House", "HM Treasury"}},
		{cref, "support", short(FieldSupport), [2]string{"Audit office", "Land Registry"}},
		{cref, "contact", short(FieldContact), [2]string{"ann@example.org", "bob@example.org"}},
		{cref, "org", short(FieldOrg), [2]string{"Open Gov Network", "Transparency UK"}},
		{cref, "by", short(FieldBy), [2]string{"Ann", "Bob"}},
		// The plan starts on the government side; replica 1 writes
		// civil-society and then government again, so it too writes.
		{cref, "side", func(p *Plan, x itemIDs, v string) error {
			if err := p.SetCommitmentSide(x.cid, CivilSociety); err != nil || v == "civil-society" {
				return err
			}
			return p.SetCommitmentSide(x.cid, Side(v))
		}, [2]string{"civil-society", "government"}},
		{cref, "state", func(p *Plan, x itemIDs, v string) error { return p.SetCommitmentState(x.cid, State(v)) }, [2]string{"agreed", "not-adopted"}},
		{cref, "start", func(p *Plan, x itemIDs, v string) error { return p.SetCommitmentStart(x.cid, v) }, [2]string{"2025-04-01", "2025-05-01"}},
		{cref, "end", func(p *Plan, x itemIDs, v string) error { return p.SetCommitmentEnd(x.cid, v) }, [2]string{"2026-04-01", "2026-05-01"}},
		// Values start false; replica 1 ticks and unticks.
		{cref, "transparency", func(p *Plan, x itemIDs, v string) error {
			if err := tick("transparency")(p, x, "true"); err != nil || v == "true" {
				return err
			}
			return tick("transparency")(p, x, v)
		}, [2]string{"true", "false"}},
		{cref, "technology", func(p *Plan, x itemIDs, v string) error {
			if err := tick("technology")(p, x, "true"); err != nil || v == "true" {
				return err
			}
			return tick("technology")(p, x, v)
		}, [2]string{"true", "false"}},
		{mref, "start", ms("start"), [2]string{"2025-06-01", "2025-07-01"}},
		{mref, "end", ms("end"), [2]string{"2026-09-30", "2026-12-31"}},
		{mref, "progress", ms("progress"), [2]string{"limited", "completed"}},
		{tref, "title", tl("title"), [2]string{"IRM report", "IRM design report"}},
		{tref, "date", tl("date"), [2]string{"2026-01-10", "2026-02-10"}},
		{tref, "note", tl("note"), [2]string{"draft", "final"}},
		{nref, "title", nt("title"), [2]string{"Forum 1", "First forum"}},
		{nref, "date", nt("date"), [2]string{"2025-01-15", "2025-01-16"}},
		{nref, "attendees", nt("attendees"), [2]string{"Ann, Bob", "Ann, Bob, Cy"}},
	}
	for _, tc := range cases {
		kind, _, _ := strings.Cut(tc.ref(itemIDs{}), "/")
		t.Run(kind+"."+tc.field, func(t *testing.T) {
			base, _, _, cid, mid := conflictBase(t)
			tid, err := base.AddTimeline("Self-assessment", "2026-09-30", "")
			must(t, err)
			nid, err := base.AddNote("2025-01-14", "Kick-off")
			must(t, err)
			must(t, base.Commit())
			x := itemIDs{cid, mid, tid, nid}
			reps := []*Plan{replica(t, base, tim), replica(t, base, sophia)}
			for i, p := range reps {
				must(t, tc.set(p, x, tc.vals[i]))
				must(t, p.Commit())
			}
			a, b := reps[0], reps[1]
			mergeInto(t, a, b)
			mergeInto(t, b, a)
			ref := tc.ref(x)
			for _, p := range reps {
				cs := p.Conflicts()
				if len(cs) != 1 || cs[0].Item.Ref != ref || cs[0].Field != tc.field {
					t.Fatalf("conflicts %+v, want one on %s %s", cs, ref, tc.field)
				}
				want := map[string]string{tc.vals[0]: who(tim), tc.vals[1]: who(sophia)}
				if got := valuesBy(cs[0]); !equalMaps(got, want) {
					t.Fatalf("values %v, want %v", got, want)
				}
			}
			// Rival resolutions made apart conflict again; one more ends it.
			must(t, a.ResolveConflict(ref, tc.field, tc.vals[0]))
			must(t, b.ResolveConflict(ref, tc.field, tc.vals[1]))
			must(t, a.Commit())
			must(t, b.Commit())
			mergeInto(t, a, b)
			if cs := a.Conflicts(); len(cs) != 1 {
				t.Fatalf("rival resolutions: %+v, want the conflict again", cs)
			}
			must(t, a.ResolveConflict(ref, tc.field, tc.vals[1]))
			must(t, a.Commit())
			mergeInto(t, b, a)
			for _, p := range reps {
				if cs := p.Conflicts(); len(cs) != 0 {
					t.Errorf("after keeping one: %+v", cs)
				}
			}
			for _, p := range reps {
				p.mu.Lock()
				kind, path, _, err := p.conflictTarget(ref)
				must(t, err)
				f, _ := fieldOf(kind, tc.field)
				vals, err := p.valuesAt(path, f)
				p.mu.Unlock()
				must(t, err)
				if len(vals) != 1 || vals[0].Value != tc.vals[1] {
					t.Errorf("the field holds %+v, want the kept %q alone", vals, tc.vals[1])
				}
				if tc.field == "date" { // the order key follows the date
					order, err := amext.MapGetAll(p.d, path, "order")
					must(t, err)
					if len(order) != 1 || order[0].Value != tc.vals[1] {
						t.Errorf("order key %+v, want %q alone", order, tc.vals[1])
					}
				}
			}
		})
	}
}

// Every key of every item in a plan that has each kind of item is a text
// (a field listed as text), a short field conflicts are reported on, or one
// of the keys said not to be anybody's words: a new field must be placed.
func TestPlainFieldsCoverSchema(t *testing.T) {
	p, _, _, cid, mid := conflictBase(t)
	tid, err := p.AddTimeline("Self-assessment", "2026-09-30", "")
	must(t, err)
	nid, err := p.AddNote("2025-01-14", "Kick-off")
	must(t, err)
	must(t, p.Commit())
	texts := map[string][]string{"plan": {"vision"}, "commitment": CommitmentTextFields, "milestone": MilestoneTextFields,
		"timeline": nil, "note": notesKind.texts}
	notWords := []string{"id", "order"}
	items := map[string][]string{"plan": {"plan"}, "commitment": {"commitments", cid}, "milestone": {"commitments", cid, "milestones", mid},
		"timeline": {"timeline", tid}, "note": {"notes", nid}}
	subMaps := map[string][]string{"commitment": {"origin", "values", "themes", "milestones"}}
	for kind, path := range items {
		m := p.mapAt(path...)
		vals, err := m.Values()
		must(t, err)
		check := func(sub, key string, v *am.Value) {
			name := key
			if sub != "" {
				name = sub + "." + key
			}
			_, plain := func() (plainField, bool) {
				for _, f := range plainFields[kind] {
					if f.sub == sub && f.key == key {
						return f, true
					}
				}
				return plainField{}, false
			}()
			switch {
			case v.Kind() == am.KindText:
				if sub != "" || !slices.Contains(texts[kind], key) {
					t.Errorf("%s %s is a text but not listed as one", kind, name)
				}
			case v.Kind() == am.KindMap:
				if sub != "" || !slices.Contains(subMaps[kind], key) {
					t.Errorf("%s %s is a map nobody placed", kind, name)
				}
			case plain:
			case sub == "" && slices.Contains(notWords, key):
			default:
				t.Errorf("%s %s (%v) is neither a text nor a short field conflicts are reported on", kind, name, v.Kind())
			}
		}
		for k, v := range vals {
			check("", k, v)
			if slices.Contains([]string{"origin", "values"}, k) {
				sub, err := v.Map().Values()
				must(t, err)
				for sk, sv := range sub {
					check(k, sk, sv)
				}
			}
		}
		for _, f := range plainFields[kind] {
			if f.sub == "" && vals[f.key] == nil {
				t.Errorf("%s has no key %q the table lists", kind, f.key)
			}
		}
	}
}

// ResolveConflict refuses what it cannot do and writes nothing then.
func TestResolveConflictRefusals(t *testing.T) {
	_, a, b, cid, mid := conflictBase(t)
	must(t, a.SetCommitmentShort(cid, FieldLead, "Companies House"))
	must(t, a.Commit())
	must(t, b.SetCommitmentShort(cid, FieldLead, "HM Treasury"))
	must(t, b.Commit())
	mergeInto(t, a, b)
	heads := a.Heads()
	for _, tc := range []struct {
		name              string
		item, field, keep string
		want              error
	}{
		{"not one of the values", "commitment/" + cid, "lead", "Cabinet Office", ErrInvalid},
		{"a value in other case", "commitment/" + cid, "lead", "companies house", ErrInvalid},
		{"no conflict there", "commitment/" + cid, "contact", "", ErrNoConflict},
		{"milestone without conflict", "milestone/" + cid + "/" + mid, "end", "2026-06-30", ErrNoConflict},
		{"a text is not a short field", "commitment/" + cid, "description", "x", ErrUnknownField},
		{"unknown field", "commitment/" + cid, "colour", "x", ErrUnknownField},
		{"no such commitment", "commitment/feedfacecafe", "lead", "x", ErrNotFound},
		{"no such milestone", "milestone/" + cid + "/feedfacecafe", "end", "x", ErrNotFound},
		{"bad item", "commitments/" + cid, "lead", "x", ErrInvalid},
		{"empty ID", "commitment/", "lead", "x", ErrInvalid},
		{"milestone without its commitment", "milestone/" + mid, "end", "x", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := a.ResolveConflict(tc.item, tc.field, tc.keep); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	must(t, a.Commit())
	if !slices.Equal(a.Heads(), heads) {
		t.Error("a refused resolution wrote a change")
	}
	if len(a.Conflicts()) != 1 {
		t.Error("the conflict did not stay open")
	}
}

// bigPlan is a plan of 50 commitments with 3 milestones each, fields
// filled, 10 timeline entries and 10 meeting notes.
func bigPlan(b testing.TB) *Plan {
	p := newTestPlan(b)
	for i := range 50 {
		cid, err := p.AddCommitment(NewCommitment{Title: fmt.Sprintf("Commitment %d", i+1), Lead: "Cabinet Office"})
		must(b, err)
		must(b, p.SetCommitmentShort(cid, FieldSupport, "Audit office, Open Knowledge"))
		must(b, p.SetCommitmentShort(cid, FieldContact, "ann@example.org"))
		must(b, p.SetCommitmentStart(cid, "2025-03-01"))
		must(b, p.SetCommitmentEnd(cid, "2027-06-30"))
		must(b, p.SetText(CommitmentText(cid, "description"), "What the commitment is, in a paragraph or two."))
		for j := range 3 {
			mid, err := p.AddMilestone(cid, fmt.Sprintf("Milestone %d", j+1))
			must(b, err)
			must(b, p.SetMilestoneField(cid, mid, "end", "2026-06-30"))
		}
	}
	for i := range 10 {
		_, err := p.AddTimeline(fmt.Sprintf("Step %d", i), fmt.Sprintf("2025-%02d-01", i+1), "")
		must(b, err)
		_, err = p.AddNote(fmt.Sprintf("2025-%02d-15", i+1), "")
		must(b, err)
	}
	must(b, p.Commit())
	return p
}

// BenchmarkConflicts is the check the app runs after every merge, on a
// 50-commitment plan: with no conflict open, and with two.
func BenchmarkConflicts(b *testing.B) {
	base := bigPlan(b)
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			if cs := base.Conflicts(); len(cs) != 0 {
				b.Fatal(cs)
			}
		}
	})
	b.Run("two", func(b *testing.B) {
		x, y := replica(b, base, tim), replica(b, base, sophia)
		s := x.Summaries()
		for i, p := range []*Plan{x, y} {
			must(b, p.SetCommitmentShort(s[7].ID, FieldLead, fmt.Sprint("Lead ", i)))
			must(b, p.SetCommitmentState(s[40].ID, []State{Agreed, NotAdopted}[i]))
			must(b, p.Commit())
		}
		mergeInto(b, x, y)
		for b.Loop() {
			if cs := x.Conflicts(); len(cs) != 2 {
				b.Fatal(cs)
			}
		}
	})
}

// SetByWords says who set a value the same way to the window and the
// command line.
func TestSetByWords(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    ConflictValue
		want string
	}{
		{"member", ConflictValue{SetBy: Author{Name: "Tim Jones", Org: "Open Knowledge", Side: CivilSociety}}, "Tim Jones (Open Knowledge, civil society)"},
		{"verified", ConflictValue{SetBy: Author{Name: "Sophia Patel", Org: "Cabinet Office", Side: Government}, Verified: true}, "Sophia Patel (Cabinet Office, government), verified"},
		{"name only", ConflictValue{SetBy: Author{Name: "Chidi"}}, "Chidi"},
		{"device", ConflictValue{SetBy: Author{PeerID: "12D3KooWAbcdefghijklmnop"}}, "device 12D3KooWAbcdefgh"},
		{"nobody", ConflictValue{}, "someone unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.SetByWords(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
