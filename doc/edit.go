package doc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/textdiff"
)

// Splice edits a text field: delete del code points at pos, insert ins there.
// This is how every keystroke reaches the document, so concurrent typists in
// one paragraph keep each other's words.
func (p *Plan) Splice(r TextRef, pos, del int, ins string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.spliceLocked(r, pos, del, ins)
}

func (p *Plan) spliceLocked(r TextRef, pos, del int, ins string) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if !utf8.ValidString(ins) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	if pos < 0 || del < 0 {
		return fmt.Errorf("%w: splice at %d deleting %d", ErrInvalid, pos, del)
	}
	if err := p.reserveLocked(len(ins)); err != nil {
		return err
	}
	t, err := p.resolveText(r)
	if err != nil {
		return err
	}
	if err := t.Splice(pos, del, ins); err != nil {
		delete(p.texts, r)
		return fmt.Errorf("%w: splice at %d deleting %d in %s: %v", ErrInvalid, pos, del, p.describeText(r), err)
	}
	p.touchText(r, utf8.RuneCountInString(ins), del)
	return nil
}

// Text reads a text field.
func (p *Plan) Text(r TextRef) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, err := p.resolveText(r)
	if err != nil {
		return "", err
	}
	return t.Get()
}

// SetText makes a text field equal s by splicing only the part that differs.
func (p *Plan) SetText(r TextRef, s string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setTextLocked(r, s)
}

func (p *Plan) setTextLocked(r TextRef, s string) error {
	t, err := p.resolveText(r)
	if err != nil {
		return err
	}
	old, err := t.Get()
	if err != nil {
		return err
	}
	sp := textdiff.Span(old, s)
	if sp.Del == 0 && sp.Ins == "" {
		return nil
	}
	return p.spliceLocked(r, sp.Pos, sp.Del, sp.Ins)
}

// setStr sets a plain string and records e (a zero Edit records none).
func (p *Plan) setStr(m *am.Map, key, val string, e Edit) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if p.str(m, key) == val {
		return nil
	}
	if err := p.reserveLocked(len(val)); err != nil {
		return err
	}
	if err := m.Set(key, val); err != nil {
		return err
	}
	p.touchEdit(e)
	return nil
}

func planEdit(field string) Edit { return Edit{Verb: VerbEdit, Item: ItemPlan, Field: field} }

func commitmentEdit(id, field string) Edit {
	return Edit{Verb: VerbEdit, Item: ItemCommitment, ID: id, Field: field}
}

// SetPlanField sets title, country, periodStart, periodEnd or vision.
func (p *Plan) SetPlanField(field, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mapAt("plan")
	switch field {
	case "title":
		if strings.TrimSpace(value) == "" {
			return fmt.Errorf("%w: a plan needs a title", ErrInvalid)
		}
		return p.setStr(m, field, strings.TrimSpace(value), planEdit("title"))
	case "country":
		return p.setStr(m, field, strings.TrimSpace(value), planEdit("country"))
	case "periodStart", "periodEnd", "period-start", "period-end":
		parse := ParseDate
		if strings.HasSuffix(strings.ToLower(field), "end") {
			parse = ParseEndDate
		}
		d, err := parse(value)
		if err != nil {
			return err
		}
		key := map[string]string{"period-start": "periodStart", "period-end": "periodEnd"}[field]
		if key == "" {
			key = field
		}
		return p.setStr(m, key, d, planEdit(key))
	case "vision":
		return p.setTextLocked(VisionText(), value)
	}
	return fmt.Errorf("%w: plan field %q (want title, country, periodStart, periodEnd, vision)", ErrUnknownField, field)
}

// NewCommitment is what a new commitment starts with.
type NewCommitment struct {
	Title string
	Side  Side // defaults to the author's side
	Org   string
	Lead  string
}

// AddCommitment appends a commitment in the proposal state and returns its ID.
func (p *Plan) AddCommitment(nc NewCommitment) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	if strings.TrimSpace(nc.Title) == "" {
		return "", fmt.Errorf("%w: a commitment needs a title", ErrInvalid)
	}
	if err := p.reserveLocked(len(nc.Title) + len(nc.Org) + len(nc.Lead)); err != nil {
		return "", err
	}
	side := nc.Side
	if side == "" {
		side = p.author.Side
	}
	org := nc.Org
	if org == "" && side == p.author.Side {
		org = p.author.Org
	}
	cs := p.mapAt("commitments")
	ids := p.keysIn(cs)
	last := ""
	if len(ids) > 0 {
		last = p.str(mapIn(cs, ids[len(ids)-1]), "order")
	}
	id, c, err := newItem(cs, map[string]any{
		"order": orderBetween(last, ""), "lead": strings.TrimSpace(nc.Lead), "support": "", "contact": "",
		"state": string(Proposal), "start": "", "end": "",
	})
	if err != nil {
		return "", err
	}
	for _, f := range CommitmentTextFields {
		init := ""
		if f == "title" {
			init = strings.TrimSpace(nc.Title)
		}
		if err := c.Set(f, am.NewText(init)); err != nil {
			return "", err
		}
	}
	vals := am.NewMap()
	if err := c.Set("values", vals); err != nil {
		return "", err
	}
	for _, v := range ValueNames {
		if err := vals.Set(v, false); err != nil {
			return "", err
		}
	}
	for _, k := range []string{"themes", "milestones"} {
		if err := c.Set(k, am.NewMap()); err != nil {
			return "", err
		}
	}
	origin := am.NewMap()
	if err := c.Set("origin", origin); err != nil {
		return "", err
	}
	for k, v := range map[string]string{"side": string(side), "org": org, "by": p.author.Name} {
		if err := origin.Set(k, v); err != nil {
			return "", err
		}
	}
	p.touchEdit(Edit{Verb: VerbAdd, Item: ItemCommitment, ID: id, Inserted: utf8.RuneCountInString(strings.TrimSpace(nc.Title))})
	return id, nil
}

// ShortField names one of a commitment's short plain fields: a name or
// line written whole, not a collaborative text, so of two concurrent writes
// Automerge keeps one.
type ShortField int

const (
	FieldLead    ShortField = iota + 1 // the lead implementing agency
	FieldSupport                       // supporting institutions and other actors
	FieldContact                       // the contact person
	FieldOrg                           // the organisation that proposed it
	FieldBy                            // the person who proposed it
)

// shortFieldKeys are the document keys, which also name the fields in
// change messages.
var shortFieldKeys = map[ShortField]string{FieldLead: "lead", FieldSupport: "support", FieldContact: "contact", FieldOrg: "org", FieldBy: "by"}

// String is the field's name in the document and in change messages.
func (f ShortField) String() string {
	if k, ok := shortFieldKeys[f]; ok {
		return k
	}
	return fmt.Sprintf("ShortField(%d)", int(f))
}

// commitmentLocked finds a commitment's map; callers hold p.mu.
func (p *Plan) commitmentLocked(id string) (*am.Map, error) {
	c := p.mapAt("commitments", id)
	if c == nil {
		return nil, fmt.Errorf("%w: commitment %s", ErrNotFound, id)
	}
	return c, nil
}

// SetCommitmentShort sets one of a commitment's short fields, trimmed of
// surrounding space. The long texts go through Splice or SetText.
func (p *Plan) SetCommitmentShort(id string, f ShortField, value string) error {
	key, ok := shortFieldKeys[f]
	if !ok {
		return fmt.Errorf("%w: %v", ErrUnknownField, f)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.commitmentLocked(id)
	if err != nil {
		return err
	}
	if f == FieldOrg || f == FieldBy {
		c = mapIn(c, "origin")
	}
	return p.setStr(c, key, strings.TrimSpace(value), commitmentEdit(id, key))
}

// SetCommitmentState moves a commitment to a decision state (one of States).
func (p *Plan) SetCommitmentState(id string, st State) error {
	if !slices.Contains(States, st) {
		return fmt.Errorf("%w: state %q", ErrInvalid, st)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.commitmentLocked(id)
	if err != nil {
		return err
	}
	return p.setStr(c, "state", string(st), Edit{Verb: VerbState, Item: ItemCommitment, ID: id, Field: "state", Value: string(st)})
}

// SetCommitmentSide says which side proposed a commitment.
func (p *Plan) SetCommitmentSide(id string, s Side) error {
	if s != Government && s != CivilSociety {
		return fmt.Errorf("%w: side %q (want %s or %s)", ErrInvalid, s, Government, CivilSociety)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.commitmentLocked(id)
	if err != nil {
		return err
	}
	return p.setStr(mapIn(c, "origin"), "side", string(s), commitmentEdit(id, "side"))
}

// SetCommitmentStart sets the date a commitment starts: a calendar date
// written YYYY-MM-DD, or "" to clear it. Text such as a bare year is for
// the caller to turn into a date (ParseDate).
func (p *Plan) SetCommitmentStart(id, date string) error {
	return p.setCommitmentDate(id, "start", date)
}

// SetCommitmentEnd sets the date a commitment ends, as SetCommitmentStart.
// Neither checks the other: a form says so while both are being typed.
func (p *Plan) SetCommitmentEnd(id, date string) error {
	return p.setCommitmentDate(id, "end", date)
}

func (p *Plan) setCommitmentDate(id, key, date string) error {
	d, err := checkDate(date)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.commitmentLocked(id)
	if err != nil {
		return err
	}
	return p.setStr(c, key, d, commitmentEdit(id, key))
}

// checkDate accepts only a full calendar date as the document holds it
// (or "" for none), so nothing half-typed is widened and written.
func checkDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(DateLayout, s); err != nil || t.Format(DateLayout) != s {
		return "", fmt.Errorf("%w: %q is not a date (want YYYY-MM-DD)", ErrInvalid, s)
	}
	return s, nil
}

// SetCommitmentValues makes a commitment's OGP values equal v. Only the
// values that differ are written, so a colleague's concurrent tick of
// another value stands.
func (p *Plan) SetCommitmentValues(id string, v Values) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.commitmentLocked(id); err != nil {
		return err
	}
	for _, name := range ValueNames {
		if err := p.setValueLocked(id, name, v.has(name)); err != nil {
			return err
		}
	}
	return nil
}

// SetCommitmentValue ticks or clears one OGP value (one of ValueNames) of
// a commitment.
func (p *Plan) SetCommitmentValue(id, value string, on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setValueLocked(id, value, on)
}

func (p *Plan) setValueLocked(id, value string, on bool) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if !slices.Contains(ValueNames, value) {
		return fmt.Errorf("%w: OGP value %q", ErrInvalid, value)
	}
	vals := p.mapAt("commitments", id, "values")
	if vals == nil {
		return fmt.Errorf("%w: commitment %s", ErrNotFound, id)
	}
	if boolIn(vals, value) == on {
		return nil
	}
	if err := vals.Set(value, on); err != nil {
		return err
	}
	p.touchEdit(commitmentEdit(id, "values"))
	return nil
}

// SetCommitmentThemes makes a commitment's themes equal the given set;
// themes are a set in the document so two people adding different themes
// both count.
func (p *Plan) SetCommitmentThemes(id string, themes []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setThemesLocked(id, themes)
}

func (p *Plan) setThemesLocked(id string, themes []string) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	m := p.mapAt("commitments", id, "themes")
	if m == nil {
		return fmt.Errorf("%w: commitment %s", ErrNotFound, id)
	}
	have := setIn(m)
	changed := false
	for _, t := range have {
		if !slices.Contains(themes, t) {
			if err := m.Delete(t); err != nil {
				return err
			}
			changed = true
		}
	}
	for _, t := range themes {
		if !slices.Contains(have, t) {
			if err := m.Set(t, true); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed {
		p.touchEdit(commitmentEdit(id, "themes"))
	}
	return nil
}

// RemoveCommitment deletes a commitment and its milestones.
func (p *Plan) RemoveCommitment(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeIn(p.mapAt("commitments"), id, Edit{Verb: VerbRemove, Item: ItemCommitment, ID: id})
}

// removeIn deletes item id of m, recording e named as the item was.
func (p *Plan) removeIn(m *am.Map, id string, e Edit) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if mapIn(m, id) == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	p.fillEdit(&e)
	if err := m.Delete(id); err != nil {
		return err
	}
	clear(p.texts)
	p.touchEdit(e)
	return nil
}

// MoveCommitment puts a commitment at position to (0-based) in the order.
func (p *Plan) MoveCommitment(id string, to int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := Edit{Verb: VerbMove, Item: ItemCommitment, ID: id, Number: p.numberOf(id), Value: strconv.Itoa(to + 1)}
	return p.moveIn(p.mapAt("commitments"), id, to, e)
}

func (p *Plan) moveIn(m *am.Map, id string, to int, e Edit) error {
	if err := p.beforeEdit(); err != nil {
		return err
	}
	ids := p.keysIn(m)
	idx := slices.Index(ids, id)
	if idx < 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if to < 0 || to >= len(ids) {
		return fmt.Errorf("%w: position %d (there are %d)", ErrInvalid, to+1, len(ids))
	}
	if to == idx {
		return nil
	}
	rest := slices.Delete(slices.Clone(ids), idx, idx+1)
	var before, after string
	if to > 0 {
		before = p.str(mapIn(m, rest[to-1]), "order")
	}
	if to < len(rest) {
		after = p.str(mapIn(m, rest[to]), "order")
	}
	if err := mapIn(m, id).Set("order", orderBetween(before, after)); err != nil {
		return err
	}
	p.touchEdit(e)
	return nil
}

// AddMilestone appends a milestone to a commitment and returns its ID.
func (p *Plan) AddMilestone(cid, title string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	ms := p.mapAt("commitments", cid, "milestones")
	if ms == nil {
		return "", fmt.Errorf("%w: commitment %s", ErrNotFound, cid)
	}
	if err := p.reserveLocked(len(title)); err != nil {
		return "", err
	}
	ids := p.keysIn(ms)
	last := ""
	if len(ids) > 0 {
		last = p.str(mapIn(ms, ids[len(ids)-1]), "order")
	}
	id, _, err := newItem(ms, map[string]any{"order": orderBetween(last, ""), "start": "", "end": "", "progress": "",
		"title": am.NewText(strings.TrimSpace(title)), "deliverable": am.NewText("")})
	if err != nil {
		return "", err
	}
	p.touchEdit(Edit{Verb: VerbAdd, Item: ItemMilestone, ID: cid, Sub: id, Inserted: utf8.RuneCountInString(strings.TrimSpace(title))})
	return id, nil
}

// MilestoneFields are the fields SetMilestoneField accepts.
var MilestoneFields = []string{"title", "deliverable", "start", "end", "progress"}

// SetMilestoneField sets a milestone field from its text form.
func (p *Plan) SetMilestoneField(cid, mid, field, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mapAt("commitments", cid, "milestones", mid)
	if m == nil {
		return fmt.Errorf("%w: milestone %s of commitment %s", ErrNotFound, mid, cid)
	}
	msg := Edit{Verb: VerbEdit, Item: ItemMilestone, ID: cid, Sub: mid, Field: field}
	switch field {
	case "title", "deliverable":
		return p.setTextLocked(MilestoneText(cid, mid, field), value)
	case "start", "end":
		d, err := ParseDate(value)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		return p.setStr(m, field, d, msg)
	case "progress":
		pr, err := ParseProgress(value)
		if err != nil {
			return err
		}
		return p.setStr(m, field, string(pr), msg)
	}
	return fmt.Errorf("%w: milestone field %q (want one of %s)", ErrUnknownField, field, strings.Join(MilestoneFields, ", "))
}

// RemoveMilestone deletes a milestone.
func (p *Plan) RemoveMilestone(cid, mid string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeIn(p.mapAt("commitments", cid, "milestones"), mid, Edit{Verb: VerbRemove, Item: ItemMilestone, ID: cid, Sub: mid})
}

// MoveMilestone puts a milestone at position to (0-based) in its commitment.
func (p *Plan) MoveMilestone(cid, mid string, to int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.moveIn(p.mapAt("commitments", cid, "milestones"), mid, to, Edit{Verb: VerbReorder, Item: ItemCommitment, ID: cid})
}

// newItem adds a map under a fresh random ID in parent, with fields set.
func newItem(parent *am.Map, fields map[string]any) (string, *am.Map, error) {
	id := newID()
	m := am.NewMap()
	if err := parent.Set(id, m); err != nil {
		return "", nil, err
	}
	for k, v := range fields {
		if err := m.Set(k, v); err != nil {
			return "", nil, err
		}
	}
	return id, m, nil
}

// AddComment starts or continues a thread on target (a commitment ID, or
// commitmentID/field).
func (p *Plan) AddComment(target, body string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	if strings.TrimSpace(body) == "" {
		return "", fmt.Errorf("%w: an empty comment", ErrInvalid)
	}
	cid, _, _ := strings.Cut(target, "/")
	if p.mapAt("commitments", cid) == nil {
		return "", fmt.Errorf("%w: commitment %s", ErrNotFound, cid)
	}
	if err := p.reserveLocked(len(body) + len(target)); err != nil {
		return "", err
	}
	now := p.now().UTC()
	id, _, err := newItem(p.mapAt("comments"), map[string]any{"target": target, "author": p.author.Name, "at": now,
		"order": now.Format(time.RFC3339Nano), "resolved": false, "body": am.NewText(body)})
	if err != nil {
		return "", err
	}
	p.touchEdit(Edit{Verb: VerbComment, Item: ItemCommitment, ID: cid, Inserted: utf8.RuneCountInString(body)})
	return id, nil
}

// ResolveComment marks a comment resolved or open again.
func (p *Plan) ResolveComment(id string, resolved bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	m := p.mapAt("comments", id)
	if m == nil {
		return fmt.Errorf("%w: comment %s", ErrNotFound, id)
	}
	if err := m.Set("resolved", resolved); err != nil {
		return err
	}
	cid, _, _ := strings.Cut(p.str(m, "target"), "/")
	e := Edit{Verb: VerbResolve, Item: ItemComment, ID: cid, Sub: id}
	if !resolved {
		e.Verb = VerbReopen
	}
	p.touchEdit(e)
	return nil
}

// TextIfCommitted reads a text field as of the last commit or merge,
// with the heads it is read at: what a peer holding exactly those heads
// reads there too. ok is false while edits are pending that may touch
// it (the text holds them, the heads not yet); edits of other fields'
// text leave it as committed.
func (p *Plan) TextIfCommitted(r TextRef) (text string, heads []string, ok bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Automerge's heads would commit what is pending: the heads before
	// it are kept.
	if !p.pending {
		heads = headStrings(p.d.Heads())
	} else {
		if p.pendBase == nil {
			return "", nil, false, nil
		}
		self := textEdit(r)
		for _, e := range p.pendingEdits {
			if e.Verb != VerbEdit || e.Item == self.Item && e.ID == self.ID && e.Sub == self.Sub && e.Field == self.Field {
				return "", nil, false, nil
			}
		}
		heads = slices.Clone(p.pendBase)
	}
	t, err := p.resolveText(r)
	if err != nil {
		return "", nil, false, err
	}
	if text, err = t.Get(); err != nil {
		return "", nil, false, err
	}
	return text, heads, true, nil
}
