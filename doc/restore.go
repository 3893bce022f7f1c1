package doc

import (
	"fmt"
	"reflect"
	"unicode/utf8"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/doc/textdiff"
)

// Restoring brings back what the plan held at a past version as a new
// change by whoever restores it: history is never rewritten. A text is
// spliced from what it holds now to what it held then, so colleagues'
// edits elsewhere in it merge as any edit would; a deleted item comes back
// under its old ID with its old content.

// RestoreText makes a text field hold what it held at version v.
func (p *Plan) RestoreText(r TextRef, v Version) error {
	old, err := p.AtVersion(v)
	if err != nil {
		return err
	}
	then, err := old.Text(r)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", p.DescribeText(r), v, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.restoreStart(); err != nil {
		return err
	}
	t, err := p.resolveText(r)
	if err != nil {
		return fmt.Errorf("%w (restore the item it belongs to first)", err)
	}
	ins, del, err := spliceTo(t, then)
	if err != nil {
		return err
	}
	if ins == 0 && del == 0 {
		return nil
	}
	e := textEdit(r)
	e.Verb, e.Value, e.Inserted, e.Deleted = VerbRestore, v.String(), ins, del
	p.touchEdit(e)
	delete(p.texts, r)
	return p.commitLocked()
}

// RestoreCommitmentField makes one of a commitment's fields (a text, or a
// short field such as lead, state or start) hold what it held at v.
func (p *Plan) RestoreCommitmentField(id, field string, v Version) error {
	for _, f := range CommitmentTextFields {
		if f == field {
			return p.RestoreText(CommitmentText(id, field), v)
		}
	}
	path, ok := commitmentPlainFields[field]
	if !ok {
		return fmt.Errorf("%w: commitment field %q", ErrUnknownField, field)
	}
	return p.restoreItem(v, Edit{Verb: VerbRestore, Item: ItemCommitment, ID: id, Field: field},
		append([]string{"commitments", id}, path...))
}

// commitmentPlainFields are where a commitment's fields that are not
// texts live, below the commitment.
var commitmentPlainFields = map[string][]string{
	"lead": {"lead"}, "support": {"support"}, "contact": {"contact"}, "state": {"state"}, "start": {"start"},
	"end": {"end"}, "side": {"origin", "side"}, "org": {"origin", "org"}, "by": {"origin", "by"},
	"values": {"values"}, "themes": {"themes"},
}

// RestoreCommitment brings a commitment back as it was at v: a deleted
// one is re-created under its ID with its milestones; one that is still
// there gets its fields back, and its milestones that were there then
// (milestones added since stay).
func (p *Plan) RestoreCommitment(id string, v Version) error {
	return p.restoreItem(v, Edit{Verb: VerbRestore, Item: ItemCommitment, ID: id}, []string{"commitments", id})
}

// RestoreMilestone brings a milestone back as it was at v; its commitment
// must be there.
func (p *Plan) RestoreMilestone(cid, mid string, v Version) error {
	return p.restoreItem(v, Edit{Verb: VerbRestore, Item: ItemMilestone, ID: cid, Sub: mid},
		[]string{"commitments", cid, "milestones", mid})
}

// RestoreTimeline brings a timeline entry back as it was at v.
func (p *Plan) RestoreTimeline(id string, v Version) error {
	return p.restoreItem(v, Edit{Verb: VerbRestore, Item: ItemTimeline, ID: id}, []string{"timeline", id})
}

// RestoreNote brings a set of meeting notes back as they were at v.
func (p *Plan) RestoreNote(id string, v Version) error {
	return p.restoreItem(v, Edit{Verb: VerbRestore, Item: ItemNote, ID: id}, []string{"notes", id})
}

// restoreStart commits what is pending, so the restore is a change of its
// own; callers hold p.mu.
func (p *Plan) restoreStart() error {
	if err := p.commitLocked(); err != nil {
		return err
	}
	return p.beforeEdit()
}

// restoreItem makes the value at path (an item or one field of it) what
// it was at v.
func (p *Plan) restoreItem(v Version, e Edit, path []string) error {
	old, err := p.AtVersion(v)
	if err != nil {
		return err
	}
	old.mu.Lock()
	defer old.mu.Unlock()
	parent, key := old.mapAt(path[:len(path)-1]...), path[len(path)-1]
	var then *am.Value
	if parent != nil {
		if val, err := parent.Get(key); err == nil && !val.IsVoid() {
			then = val
		}
	}
	if then == nil {
		what := e
		what.Field = ""
		return fmt.Errorf("%w: %s was not in the plan at %s", ErrNotFound, itemWords(what, true), v)
	}
	if e.Field == "" {
		old.fillEdit(&e) // name it as it was, in case it is gone now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.restoreStart(); err != nil {
		return err
	}
	dst := p.mapAt(path[:len(path)-1]...)
	if dst == nil {
		return fmt.Errorf("%w: the %s it belongs to is not in the plan now (restore that first)", ErrNotFound, e.Item)
	}
	var st restoreStats
	if err := st.restore(dst, key, then); err != nil {
		return err
	}
	if !st.changed {
		return nil
	}
	clear(p.texts)
	e.Value, e.Inserted, e.Deleted = v.String(), st.ins, st.del
	p.touchEdit(e)
	return p.commitLocked()
}

// restoreStats counts what a restore changed.
type restoreStats struct {
	ins, del int
	changed  bool
}

// restore makes dst[key] equal then: texts by splices, maps key by key
// (keys added since stay, except in the sets of themes, which are made
// equal), anything else by setting it.
func (st *restoreStats) restore(dst *am.Map, key string, then *am.Value) error {
	now, err := dst.Get(key)
	if err != nil {
		return err
	}
	switch then.Kind() {
	case am.KindText:
		s, err := then.Text().Get()
		if err != nil {
			return err
		}
		if now.Kind() != am.KindText {
			st.changed, st.ins = true, st.ins+utf8.RuneCountInString(s)
			return dst.Set(key, am.NewText(s))
		}
		ins, del, err := spliceTo(now.Text(), s)
		st.ins, st.del, st.changed = st.ins+ins, st.del+del, st.changed || ins+del > 0
		return err
	case am.KindMap:
		if now.Kind() != am.KindMap {
			if err := dst.Set(key, am.NewMap()); err != nil {
				return err
			}
			st.changed = true
		}
		into := mapIn(dst, key)
		vals, err := then.Map().Values()
		if err != nil {
			return err
		}
		for k, v := range vals {
			if err := st.restore(into, k, v); err != nil {
				return err
			}
		}
		if key == "themes" {
			keys, _ := into.Keys()
			for _, k := range keys {
				if _, ok := vals[k]; !ok {
					if err := into.Delete(k); err != nil {
						return err
					}
					st.changed = true
				}
			}
		}
		return nil
	case am.KindList, am.KindCounter, am.KindVoid, am.KindUnknown:
		return nil // the plan holds none of these
	}
	if now.Kind() == then.Kind() && reflect.DeepEqual(now.Interface(), then.Interface()) {
		return nil
	}
	st.changed = true
	return dst.Set(key, then.Interface())
}

// spliceTo makes t hold s with the splices between them, reporting the
// code points inserted and deleted.
func spliceTo(t *am.Text, s string) (ins, del int, err error) {
	cur, err := t.Get()
	if err != nil {
		return 0, 0, err
	}
	for _, sp := range textdiff.Splices(cur, s) {
		if err := t.Splice(sp.Pos, sp.Del, sp.Ins); err != nil {
			return ins, del, err
		}
		ins += utf8.RuneCountInString(sp.Ins)
		del += sp.Del
	}
	return ins, del, nil
}

// DescribeText names a text field in words: "the description of
// commitment 3 “Open contracting”".
func (p *Plan) DescribeText(r TextRef) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := textEdit(r)
	p.fillEdit(&e)
	if e.Words != "" {
		return e.Words
	}
	return "the " + fieldName(e.Field) + " of " + itemWords(e, true)
}
