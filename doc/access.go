package doc

import (
	"fmt"
	"sort"

	am "github.com/automerge/automerge-go"
)

// Low-level reads over the Automerge tree. Callers hold p.mu.

func (p *Plan) mapAt(path ...string) *am.Map {
	m := p.d.RootMap()
	for _, k := range path {
		m = mapIn(m, k)
		if m == nil {
			return nil
		}
	}
	return m
}

func mapIn(m *am.Map, key string) *am.Map {
	if m == nil {
		return nil
	}
	v, err := m.Get(key)
	if err != nil || v.Kind() != am.KindMap {
		return nil
	}
	return v.Map()
}

func (p *Plan) str(m *am.Map, key string) string {
	if m == nil {
		return ""
	}
	v, err := m.Get(key)
	if err != nil {
		return ""
	}
	switch v.Kind() {
	case am.KindStr:
		return v.Str()
	case am.KindText:
		s, _ := v.Text().Get()
		return s
	}
	return ""
}

func boolIn(m *am.Map, key string) bool {
	if m == nil {
		return false
	}
	v, err := m.Get(key)
	return err == nil && v.Kind() == am.KindBool && v.Bool()
}

func timeIn(m *am.Map, key string) (t timeValue) {
	if m == nil {
		return
	}
	v, err := m.Get(key)
	if err == nil && v.Kind() == am.KindTime {
		t.t = v.Time().UTC()
		t.ok = true
	}
	return
}

// keysIn lists a map's keys whose values are maps, sorted by their order key
// and then by ID so every replica agrees.
func (p *Plan) keysIn(m *am.Map) []string {
	if m == nil {
		return nil
	}
	vals, err := m.Values()
	if err != nil {
		return nil
	}
	type item struct{ id, order string }
	items := make([]item, 0, len(vals))
	for k, v := range vals {
		if v.Kind() != am.KindMap {
			continue
		}
		items = append(items, item{k, p.str(v.Map(), "order")})
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].order != items[j].order {
			return items[i].order < items[j].order
		}
		return items[i].id < items[j].id
	})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.id
	}
	return out
}

// setsIn lists the keys of a map used as a set (key -> true).
func setIn(m *am.Map) []string {
	if m == nil {
		return nil
	}
	keys, err := m.Keys()
	if err != nil {
		return nil
	}
	out := keys[:0]
	for _, k := range keys {
		if boolIn(m, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TextRef names one free-text field of the plan.
type TextRef struct {
	Kind  string // plan, commitment, milestone, note
	ID    string
	Sub   string
	Field string
}

// VisionText is the plan's introduction and vision.
func VisionText() TextRef { return TextRef{Kind: "plan", Field: "vision"} }

// CommitmentText is one of a commitment's text fields (see CommitmentTextFields).
func CommitmentText(id, field string) TextRef {
	return TextRef{Kind: "commitment", ID: id, Field: field}
}

// MilestoneText is a milestone's title or deliverable.
func MilestoneText(cid, mid, field string) TextRef {
	return TextRef{Kind: "milestone", ID: cid, Sub: mid, Field: field}
}

// NoteBody is the body of a set of meeting notes.
func NoteBody(id string) TextRef { return TextRef{Kind: "note", ID: id, Field: "body"} }

// CommitmentTextFields are the commitment fields held as collaborative text.
var CommitmentTextFields = []string{"title", "problem", "description", "contribution", "response", "additional"}

// MilestoneTextFields are the milestone fields held as collaborative text.
var MilestoneTextFields = []string{"title", "deliverable"}

func (r TextRef) path() ([]string, string) {
	switch r.Kind {
	case "plan":
		return []string{"plan"}, r.Field
	case "commitment":
		return []string{"commitments", r.ID}, r.Field
	case "milestone":
		return []string{"commitments", r.ID, "milestones", r.Sub}, r.Field
	case "note":
		return []string{"notes", r.ID}, r.Field
	}
	return nil, ""
}

func (p *Plan) resolveText(r TextRef) (*am.Text, error) {
	if t, ok := p.texts[r]; ok {
		return t, nil
	}
	path, field := r.path()
	m := p.mapAt(path...)
	if m == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, p.describeText(r))
	}
	v, err := m.Get(field)
	if err != nil {
		return nil, err
	}
	if v.Kind() != am.KindText {
		return nil, fmt.Errorf("%w: %s is not a text field", ErrUnknownField, field)
	}
	t := v.Text()
	p.texts[r] = t
	return t, nil
}

// describeText names a text field in words, for change messages.
func (p *Plan) describeText(r TextRef) string {
	switch r.Kind {
	case "plan":
		return "plan " + r.Field
	case "commitment":
		return fmt.Sprintf("commitment %d %s", p.numberOf(r.ID), r.Field)
	case "milestone":
		return fmt.Sprintf("commitment %d milestone %s", p.numberOf(r.ID), r.Field)
	case "note":
		return "meeting notes " + p.str(p.mapAt("notes", r.ID), "title")
	}
	return r.Field
}

func (p *Plan) numberOf(cid string) int {
	for i, id := range p.keysIn(p.mapAt("commitments")) {
		if id == cid {
			return i + 1
		}
	}
	return 0
}
