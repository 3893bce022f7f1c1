package doc

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/amext"
)

// Conflicts on short fields. A short field is a plain value (see "Plain
// values and texts" in doc.go): two people who set it while apart both
// write it, Automerge shows one value, and the document keeps the other.
// Until someone keeps one, both sides are told, with who set each value.

// ErrNoConflict means a field has one value: nothing to resolve (perhaps a
// colleague already kept one and it has arrived).
var ErrNoConflict = errors.New("no open conflict")

// ConflictItem names what holds a conflicting field.
type ConflictItem struct {
	// Ref is what ResolveConflict takes: "plan", "commitment/ID",
	// "milestone/COMMITMENT-ID/MILESTONE-ID", "timeline/ID" or "note/ID".
	Ref  string `json:"ref"`
	Kind string `json:"kind"` // plan, commitment, milestone, timeline, note
	// ID is the commitment (also for a milestone), timeline entry or notes.
	ID        string `json:"id,omitempty"`
	Milestone string `json:"milestone,omitempty"`
	// Name is the item in words: "commitment 3", "commitment 3 milestone 2",
	// "timeline entry IRM report", "meeting notes Forum meeting 1", "plan".
	Name string `json:"name"`
}

// Conflict is one short field holding several values at once.
type Conflict struct {
	Item   ConflictItem    `json:"item"`
	Field  string          `json:"field"` // as ResolveConflict takes it: "lead", "end", "transparency"
	Label  string          `json:"label"` // in words: "lead agency", "end date"
	Values []ConflictValue `json:"values"`
}

// ConflictValue is one of a conflict's values and who set it. Every replica
// lists the values in the same order.
type ConflictValue struct {
	Value string `json:"value"` // a tick is "true" or "false"
	SetBy Author `json:"setBy"`
	// Verified says SetBy is proven (by a signature), not just claimed.
	Verified bool   `json:"verified"`
	OpID     string `json:"opId"`
	// Shown marks the value the plan reads (and shows) now.
	Shown bool `json:"shown"`
}

// SetByWords names who set a value, the one way the window and the
// command line both say it: "Ana Costa (Open Budget Coalition, civil
// society)", a device's short ID when no name is known, and ", verified"
// when a signature proves it.
func (v ConflictValue) SetByWords() string {
	a := v.SetBy
	var s string
	switch {
	case a.Name != "":
		s = a.Name
	case a.PeerID != "":
		s = "device " + a.PeerID[:min(16, len(a.PeerID))]
	default:
		s = "someone unknown"
	}
	var more []string
	if a.Org != "" {
		more = append(more, a.Org)
	}
	if a.Side != "" {
		more = append(more, strings.ReplaceAll(string(a.Side), "-", " "))
	}
	if len(more) > 0 {
		s += " (" + strings.Join(more, ", ") + ")"
	}
	if v.Verified {
		s += ", verified"
	}
	return s
}

// plainField is one short field checked for conflicts.
type plainField struct {
	name  string // Conflict.Field
	sub   string // the map under the item that holds it ("" for the item's own)
	key   string // its key in that map
	label string // in words
	tick  bool   // a bool rather than a string
}

func pf(name, label string) plainField { return plainField{name: name, key: name, label: label} }

// plainFields lists, per kind of item, every short field a person sets.
// Keys not here are plain too but are not anybody's words: "order"
// (positions, recomputed on both sides; a date's order key is resolved with
// its date), "id", comment "target"/"author"/"at"/"resolved", and the
// members and actors records (authority, settled by signed statements).
// TestPlainFieldsCoverSchema keeps this table and the schema in step.
var plainFields = map[string][]plainField{
	"plan": {pf("title", "title"), pf("country", "country"), pf("periodStart", "period start"), pf("periodEnd", "period end")},
	"commitment": {
		pf("lead", "lead agency"), pf("support", "supporting actors"), pf("contact", "contact"),
		pf("state", "state"), pf("start", "start date"), pf("end", "end date"),
		{name: "side", sub: "origin", key: "side", label: "proposing side"},
		{name: "org", sub: "origin", key: "org", label: "proposing organisation"},
		{name: "by", sub: "origin", key: "by", label: "proposed by"},
		{name: "transparency", sub: "values", key: "transparency", label: "OGP value transparency", tick: true},
		{name: "participation", sub: "values", key: "participation", label: "OGP value civic participation", tick: true},
		{name: "accountability", sub: "values", key: "accountability", label: "OGP value public accountability", tick: true},
		{name: "technology", sub: "values", key: "technology", label: "OGP value technology and innovation", tick: true},
	},
	"milestone": {pf("start", "start date"), pf("end", "end date"), pf("progress", "progress")},
	"timeline":  {pf("title", "title"), pf("date", "date"), pf("note", "note")},
	"note":      {pf("title", "title"), pf("date", "date"), pf("attendees", "attendees")},
}

// PlainFields lists the short fields of a kind of item (plan, commitment,
// milestone, timeline, note) that conflicts are reported on, as
// Conflict.Field names them.
func PlainFields(kind string) []string {
	var out []string
	for _, f := range plainFields[kind] {
		out = append(out, f.name)
	}
	return out
}

// fieldGroup is the short fields of one kind that live in one map, for
// asking how many values they hold in one call.
type fieldGroup struct {
	sub    string
	keys   []string
	fields []int // their indexes in plainFields[kind]
}

var fieldGroups = func() map[string][]fieldGroup {
	out := map[string][]fieldGroup{}
	for kind, fs := range plainFields {
		var gs []fieldGroup
		for i, f := range fs {
			j := slices.IndexFunc(gs, func(g fieldGroup) bool { return g.sub == f.sub })
			if j < 0 {
				gs = append(gs, fieldGroup{sub: f.sub})
				j = len(gs) - 1
			}
			gs[j].keys = append(gs[j].keys, f.key)
			gs[j].fields = append(gs[j].fields, i)
		}
		out[kind] = gs
	}
	return out
}()

func fieldOf(kind, name string) (plainField, bool) {
	for _, f := range plainFields[kind] {
		if f.name == name {
			return f, true
		}
	}
	return plainField{}, false
}

// Conflicts lists every short field that holds more than one value, in
// plan order: the plan's own fields, each commitment and its milestones,
// the timeline, the meeting notes. It reads only the short fields' keys,
// so it is cheap enough to call after every merge.
func (p *Plan) Conflicts() []Conflict {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.conflictsLocked()
	if err != nil {
		p.log.Warn("reading conflicts failed", "plan", p.id, "err", err)
	}
	return out
}

// found is a conflict with where it sorts.
type found struct {
	c   Conflict
	pos []int
}

func (p *Plan) conflictsLocked() ([]Conflict, error) {
	var fs []found
	var firstErr error
	fail := func(err error) {
		if firstErr == nil && !errors.Is(err, amext.ErrNotFound) {
			firstErr = err
		}
	}
	// scan reports the conflicts among one item's fields, asking how many
	// values they hold one map at a time; item names the item and is called
	// only when there is a conflict.
	scan := func(kind string, path []string, item func() (ConflictItem, []int)) {
		var it *ConflictItem
		var pos []int
		for _, g := range fieldGroups[kind] {
			mpath := path
			if g.sub != "" {
				mpath = append(slices.Clip(path), g.sub)
			}
			counts, err := amext.MapValueCounts(p.d, mpath, g.keys)
			if err != nil {
				fail(err)
				continue
			}
			for j, n := range counts {
				if n < 2 {
					continue
				}
				f := plainFields[kind][g.fields[j]]
				vals, err := p.valuesAt(anyPath(path), f)
				if err != nil {
					fail(err)
					continue
				}
				if len(vals) < 2 { // several writes of one value
					continue
				}
				if it == nil {
					ci, ps := item()
					it, pos = &ci, ps
				}
				fs = append(fs, found{Conflict{Item: *it, Field: f.name, Label: f.label, Values: vals}, append(slices.Clone(pos), g.fields[j])})
			}
		}
	}
	scan("plan", []string{"plan"}, func() (ConflictItem, []int) {
		return ConflictItem{Ref: "plan", Kind: "plan", Name: "plan"}, []int{0}
	})
	var numbers map[string]int // commitment numbers, read at the first conflict
	number := func(cid string) int {
		if numbers == nil {
			numbers = map[string]int{}
			for i, id := range p.keysIn(p.mapAt("commitments")) {
				numbers[id] = i + 1
			}
		}
		return numbers[cid]
	}
	cids, _ := amext.MapKeysAt(p.d, []any{"commitments"}, nil)
	for _, cid := range cids {
		path := []string{"commitments", cid}
		scan("commitment", path, func() (ConflictItem, []int) {
			n := number(cid)
			return ConflictItem{Ref: "commitment/" + cid, Kind: "commitment", ID: cid, Name: fmt.Sprintf("commitment %d", n)}, []int{1, n, 0}
		})
		mpath := append(slices.Clip(path), "milestones")
		mids, _ := amext.MapKeysAt(p.d, anyPath(mpath), nil)
		for _, mid := range mids {
			scan("milestone", append(slices.Clip(mpath), mid), func() (ConflictItem, []int) {
				n := number(cid)
				m := slices.Index(p.keysIn(p.mapAt("commitments", cid, "milestones")), mid) + 1
				return ConflictItem{Ref: "milestone/" + cid + "/" + mid, Kind: "milestone", ID: cid, Milestone: mid,
					Name: fmt.Sprintf("commitment %d milestone %d", n, m)}, []int{1, n, m}
			})
		}
	}
	for i, k := range []datedKind{timelineKind, notesKind} {
		kind := map[string]string{"timeline": "timeline", "notes": "note"}[k.collection]
		ids, _ := amext.MapKeysAt(p.d, []any{k.collection}, nil)
		for _, id := range ids {
			scan(kind, []string{k.collection, id}, func() (ConflictItem, []int) {
				n := slices.Index(p.keysIn(p.mapAt(k.collection)), id) + 1
				return ConflictItem{Ref: kind + "/" + id, Kind: kind, ID: id,
					Name: k.what + " " + p.str(p.mapAt(k.collection, id), "title")}, []int{2 + i, n}
			})
		}
	}
	// Fields within an item sort in table order.
	sort.SliceStable(fs, func(a, b int) bool { return slices.Compare(fs[a].pos, fs[b].pos) < 0 })
	out := make([]Conflict, len(fs))
	for i, f := range fs {
		out[i] = f.c
	}
	return out, firstErr
}

// valuesAt reads one short field's values, one per distinct value (the
// latest write of each), with who set each; one entry means no conflict.
func (p *Plan) valuesAt(item []any, f plainField) ([]ConflictValue, error) {
	path := item
	if f.sub != "" {
		path = append(slices.Clip(item), f.sub)
	}
	all, err := amext.MapGetAll(p.d, path, f.key)
	if err != nil || len(all) < 2 {
		if len(all) == 1 {
			return []ConflictValue{{Value: plainString(all[0].Value), OpID: all[0].OpID, Shown: true}}, err
		}
		return nil, err
	}
	var out []ConflictValue
	for i, c := range all {
		v := plainString(c.Value)
		cv := ConflictValue{Value: v, OpID: c.OpID, Shown: i == len(all)-1}
		cv.SetBy, cv.Verified = p.opAuthorLocked(c.ActorID, c.OpID)
		if j := slices.IndexFunc(out, func(o ConflictValue) bool { return o.Value == v }); j >= 0 {
			cv.Shown = cv.Shown || out[j].Shown
			out[j] = cv
			continue
		}
		out = append(out, cv)
	}
	return out, nil
}

func anyPath(path []string) []any {
	out := make([]any, len(path))
	for i, k := range path {
		out[i] = k
	}
	return out
}

func plainString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// opAuthorLocked says who wrote an operation (opID, "counter@actor") and
// whether that is verified: the one place conflicts are attributed. It asks
// the attributor history and blame ask, by the operation's actor; a check
// of signed attributions that needs the operation's change finds it from
// opID here.
func (p *Plan) opAuthorLocked(actor, opID string) (Author, bool) {
	_ = opID
	return p.attributorLocked().ofActor(actor)
}

// conflictTarget resolves a ConflictItem.Ref to its kind, path and name.
func (p *Plan) conflictTarget(ref string) (string, []any, string, error) {
	kind, _, path, name, err := p.conflictTargetIDs(ref)
	return kind, path, name, err
}

// conflictTargetIDs is conflictTarget with the IDs the ref names.
func (p *Plan) conflictTargetIDs(ref string) (kind string, ids []string, path []any, name string, err error) {
	kind, rest, _ := strings.Cut(ref, "/")
	ids = strings.Split(rest, "/")
	bad := fmt.Errorf("%w: item %q (want plan, commitment/ID, milestone/ID/ID, timeline/ID or note/ID)", ErrInvalid, ref)
	switch {
	case kind == "plan" && rest == "":
		return kind, ids, []any{"plan"}, "plan", nil
	case kind == "commitment" && len(ids) == 1:
		path, name = []any{"commitments", ids[0]}, fmt.Sprintf("commitment %d", p.numberOf(ids[0]))
	case kind == "milestone" && len(ids) == 2:
		path = []any{"commitments", ids[0], "milestones", ids[1]}
		name = fmt.Sprintf("commitment %d milestone %d", p.numberOf(ids[0]),
			slices.Index(p.keysIn(p.mapAt("commitments", ids[0], "milestones")), ids[1])+1)
	case kind == "timeline" && len(ids) == 1:
		path, name = []any{"timeline", ids[0]}, timelineKind.what+" "+p.str(p.mapAt("timeline", ids[0]), "title")
	case kind == "note" && len(ids) == 1:
		path, name = []any{"notes", ids[0]}, notesKind.what+" "+p.str(p.mapAt("notes", ids[0]), "title")
	default:
		return "", nil, nil, "", bad
	}
	if slices.Contains(ids, "") {
		return "", nil, nil, "", bad
	}
	if p.mapPath(path) == nil {
		return "", nil, nil, "", fmt.Errorf("%w: %s %s", ErrNotFound, kind, rest)
	}
	return kind, ids, path, name, nil
}

func (p *Plan) mapPath(path []any) *am.Map {
	keys := make([]string, len(path))
	for i, k := range path {
		keys[i] = k.(string)
	}
	return p.mapAt(keys...)
}

// ResolveConflict ends a conflict by writing keep, one of the field's
// values, as a new change: it replaces every value this replica holds, so
// once the change has reached the others the field has one value there too.
// item is a ConflictItem.Ref and field a Conflict.Field.
func (p *Plan) ResolveConflict(item, field, keep string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	kind, ids, path, name, err := p.conflictTargetIDs(item)
	if err != nil {
		return err
	}
	f, ok := fieldOf(kind, field)
	if !ok {
		return fmt.Errorf("%w: %s field %q (want one of %s)", ErrUnknownField, kind, field, strings.Join(PlainFields(kind), ", "))
	}
	vals, err := p.valuesAt(path, f)
	if err != nil {
		return err
	}
	if len(vals) < 2 {
		now := ""
		if len(vals) == 1 {
			now = vals[0].Value
		}
		return fmt.Errorf("%w on %s %s (it is %q)", ErrNoConflict, name, f.label, now)
	}
	if !slices.ContainsFunc(vals, func(v ConflictValue) bool { return v.Value == keep }) {
		var have []string
		for _, v := range vals {
			have = append(have, fmt.Sprintf("%q", v.Value))
		}
		return fmt.Errorf("%w: %q is not one of the values of %s %s (%s)", ErrInvalid, keep, name, f.label, strings.Join(have, ", "))
	}
	m := p.mapPath(path)
	if f.sub != "" {
		m = mapIn(m, f.sub)
	}
	var v any = keep
	if f.tick {
		v = keep == "true"
	}
	if err := m.Set(f.key, v); err != nil {
		return err
	}
	if (kind == "timeline" || kind == "note") && f.key == "date" {
		// Both sides wrote the order key with their date.
		if err := m.Set("order", keep); err != nil {
			return err
		}
	}
	e := Edit{Verb: VerbKeep, Item: kind, ID: ids[0], Field: f.name, Value: keep}
	if kind == ItemMilestone {
		e.Sub = ids[1]
	}
	p.touchEdit(e)
	return nil
}
