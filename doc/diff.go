package doc

import (
	"strconv"
	"strings"

	"github.com/coplan/coplan/doc/textdiff"
)

// Change kinds of a diff.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// FieldDiff is one field that differs between two versions, with a word
// diff of its text (texts and short fields alike).
type FieldDiff struct {
	Field string           `json:"field"`
	Label string           `json:"label"` // the field in words
	From  string           `json:"from"`
	To    string           `json:"to"`
	Words []textdiff.Chunk `json:"words"`
}

// ItemDiff is a milestone, timeline entry or set of notes that was added,
// removed or changed.
type ItemDiff struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"` // in the later version (the earlier if removed)
	Change string      `json:"change"`
	Fields []FieldDiff `json:"fields"`
}

// CommitmentDiff is a commitment that was added, removed or changed.
type CommitmentDiff struct {
	ID         string      `json:"id"`
	Number     int         `json:"number"` // in the later version (the earlier if removed)
	FromNumber int         `json:"fromNumber,omitempty"`
	Title      string      `json:"title"`
	Change     string      `json:"change"`
	Fields     []FieldDiff `json:"fields"`
	Milestones []ItemDiff  `json:"milestones"`
	// State and Response are the later version's decision, for readers
	// following what became of a proposal.
	State    State  `json:"state"`
	Response string `json:"response"`
}

// PlanDiff is what changed between two versions of the plan, commitment
// by commitment and field by field.
type PlanDiff struct {
	From        Version          `json:"from"`
	To          Version          `json:"to"`
	Title       string           `json:"title"` // the plan's, in the later version
	Plan        []FieldDiff      `json:"plan"`
	Commitments []CommitmentDiff `json:"commitments"`
	Timeline    []ItemDiff       `json:"timeline"`
	Notes       []ItemDiff       `json:"notes"`
}

// Empty reports whether the two versions hold the same plan.
func (d PlanDiff) Empty() bool {
	return len(d.Plan) == 0 && len(d.Commitments) == 0 && len(d.Timeline) == 0 && len(d.Notes) == 0
}

// Diff compares the plan at two versions (references as ResolveVersion
// takes them).
func (p *Plan) Diff(from, to string) (PlanDiff, error) {
	a, err := p.ResolveVersion(from)
	if err != nil {
		return PlanDiff{}, err
	}
	b, err := p.ResolveVersion(to)
	if err != nil {
		return PlanDiff{}, err
	}
	return p.DiffVersions(a, b)
}

// DiffVersions compares the plan at two resolved versions.
func (p *Plan) DiffVersions(from, to Version) (PlanDiff, error) {
	a, err := p.contentOf(from)
	if err != nil {
		return PlanDiff{}, err
	}
	b, err := p.contentOf(to)
	if err != nil {
		return PlanDiff{}, err
	}
	d := DiffContent(a, b)
	d.From, d.To = from, to
	return d, nil
}

// contentOf reads the plan at v, without a fork when v is the version the
// plan is at.
func (p *Plan) contentOf(v Version) (Content, error) {
	if strings.Join(v.Heads, ",") == strings.Join(p.Heads(), ",") {
		return p.Content(), nil
	}
	old, err := p.AtVersion(v)
	if err != nil {
		return Content{}, err
	}
	return old.Content(), nil
}

// field compares one field, adding it to ds when it differs.
func field(ds []FieldDiff, name, label, a, b string) []FieldDiff {
	if a == b {
		return ds
	}
	return append(ds, FieldDiff{Field: name, Label: label, From: a, To: b, Words: textdiff.Words(a, b)})
}

// DiffContent compares two readings of a plan.
func DiffContent(a, b Content) PlanDiff {
	d := PlanDiff{Title: b.Title, Plan: []FieldDiff{}, Commitments: []CommitmentDiff{}, Timeline: []ItemDiff{}, Notes: []ItemDiff{}}
	d.Plan = field(d.Plan, "title", "Title", a.Title, b.Title)
	d.Plan = field(d.Plan, "country", "Country", a.Country, b.Country)
	d.Plan = field(d.Plan, "period", "Period", period(a), period(b))
	d.Plan = field(d.Plan, "vision", "Introduction and vision", a.Vision, b.Vision)

	old := map[string]Commitment{}
	for _, c := range a.Commitments {
		old[c.ID] = c
	}
	seen := map[string]bool{}
	for _, c := range b.Commitments {
		seen[c.ID] = true
		prev, ok := old[c.ID]
		if !ok {
			prev = Commitment{}
		}
		cd := CommitmentDiff{ID: c.ID, Number: c.Number, Title: c.Title, Change: Changed, State: c.State, Response: c.Response,
			Fields: commitmentFields(prev, c), Milestones: milestonesDiff(prev.Milestones, c.Milestones)}
		switch {
		case !ok:
			cd.Change = Added
		case len(cd.Fields) == 0 && len(cd.Milestones) == 0:
			continue // renumbered at most, as others came and went
		case prev.Number != c.Number:
			cd.FromNumber = prev.Number
		}
		d.Commitments = append(d.Commitments, cd)
	}
	for _, c := range a.Commitments {
		if !seen[c.ID] {
			d.Commitments = append(d.Commitments, CommitmentDiff{ID: c.ID, Number: c.Number, Title: c.Title, Change: Removed,
				State: c.State, Response: c.Response, Fields: commitmentFields(c, Commitment{}),
				Milestones: milestonesDiff(c.Milestones, nil)})
		}
	}
	d.Timeline = itemsDiff(timelineItems(a.Timeline), timelineItems(b.Timeline))
	d.Notes = itemsDiff(noteItems(a.Notes), noteItems(b.Notes))
	return d
}

func period(c Content) string {
	if c.PeriodStart == "" && c.PeriodEnd == "" {
		return ""
	}
	return c.PeriodStart + " to " + c.PeriodEnd
}

// CommitmentFieldLabels name a commitment's fields as the OGP template
// does, in its order.
var CommitmentFieldLabels = [][2]string{
	{"title", "Title"}, {"state", "Status"}, {"origin", "Proposed by"}, {"start", "Start date"}, {"end", "End date"},
	{"lead", "Lead implementing agency"}, {"support", "Supporting institutions and other actors"},
	{"problem", "What is the public problem?"}, {"description", "What is the commitment?"},
	{"contribution", "How will the commitment contribute to solving the problem?"},
	{"values", "Relevance to OGP values"}, {"themes", "Policy areas"}, {"contact", "Contact"},
	{"additional", "Additional information"}, {"response", "Reasoned response"},
}

func commitmentValues(c Commitment) map[string]string {
	var vals []string
	for _, v := range ValueNames {
		if c.Values.has(v) {
			vals = append(vals, v)
		}
	}
	origin := strings.TrimSpace(strings.Join(nonEmpty(string(c.Origin.Side), c.Origin.Org, c.Origin.By), ", "))
	state := ""
	if c.State != "" {
		state = StateWords(c.State)
	}
	return map[string]string{"title": c.Title, "state": state, "origin": origin, "start": c.Start, "end": c.End,
		"lead": c.Lead, "support": c.Support, "problem": c.Problem, "description": c.Description,
		"contribution": c.Contribution, "values": strings.Join(vals, ", "), "themes": strings.Join(c.Themes, ", "),
		"contact": c.Contact, "additional": c.Additional, "response": c.Response}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func commitmentFields(a, b Commitment) []FieldDiff {
	va, vb := commitmentValues(a), commitmentValues(b)
	ds := []FieldDiff{}
	for _, f := range CommitmentFieldLabels {
		ds = field(ds, f[0], f[1], va[f[0]], vb[f[0]])
	}
	return ds
}

// item is a milestone, timeline entry or set of notes as a diff sees it:
// an ID, a title and labelled fields.
type item struct {
	id, title string
	fields    [][3]string // name, label, value
}

func milestoneItems(ms []Milestone) []item {
	var out []item
	for i, m := range ms {
		out = append(out, item{m.ID, m.Title, [][3]string{{"position", "Position", strconv.Itoa(i + 1)},
			{"title", "Milestone", m.Title}, {"deliverable", "Verifiable deliverable", m.Deliverable},
			{"start", "Start date", m.Start}, {"end", "End date", m.End}, {"progress", "Progress", string(m.Progress)}}})
	}
	return out
}

func timelineItems(ts []TimelineEntry) []item {
	var out []item
	for _, t := range ts {
		out = append(out, item{t.ID, t.Title, [][3]string{{"title", "Title", t.Title}, {"date", "Date", t.Date},
			{"note", "Note", t.Note}}})
	}
	return out
}

func noteItems(ns []Note) []item {
	var out []item
	for _, n := range ns {
		out = append(out, item{n.ID, n.Title, [][3]string{{"title", "Title", n.Title}, {"date", "Date", n.Date},
			{"attendees", "Attendees", n.Attendees}, {"body", "Notes", n.Body}}})
	}
	return out
}

func milestonesDiff(a, b []Milestone) []ItemDiff {
	return itemsDiff(milestoneItems(a), milestoneItems(b))
}

func itemsDiff(a, b []item) []ItemDiff {
	old := map[string]item{}
	for _, it := range a {
		old[it.id] = it
	}
	out := []ItemDiff{}
	seen := map[string]bool{}
	fieldsOf := func(x, y item) []FieldDiff {
		ds := []FieldDiff{}
		for i, f := range y.fields {
			if f[0] == "position" && (x.id == "" || y.id == "") {
				continue // an item that came or went has no move
			}
			prev := ""
			if i < len(x.fields) {
				prev = x.fields[i][2]
			}
			ds = field(ds, f[0], f[1], prev, f[2])
		}
		return ds
	}
	for _, it := range b {
		seen[it.id] = true
		prev, ok := old[it.id]
		if !ok {
			out = append(out, ItemDiff{ID: it.id, Title: it.title, Change: Added, Fields: fieldsOf(item{}, it)})
			continue
		}
		if fs := fieldsOf(prev, it); len(fs) > 0 {
			out = append(out, ItemDiff{ID: it.id, Title: it.title, Change: Changed, Fields: fs})
		}
	}
	for _, it := range a {
		if !seen[it.id] {
			gone := item{fields: make([][3]string, len(it.fields))} // no ID: gone
			for i, f := range it.fields {
				gone.fields[i] = [3]string{f[0], f[1], ""}
			}
			out = append(out, ItemDiff{ID: it.id, Title: it.title, Change: Removed, Fields: fieldsOf(it, gone)})
		}
	}
	return out
}
