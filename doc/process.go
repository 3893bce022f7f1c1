package doc

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	am "github.com/automerge/automerge-go"
)

// The process artefacts beside the commitments: the timeline anybody may
// update and the meeting notes written jointly. Both are dated items kept
// in date order (the date is their order key) and share one path for
// adding, setting and removing.

// datedKind describes one collection of dated items.
type datedKind struct {
	collection string   // the root map holding the items
	item       string   // its kind in edits (ItemTimeline, ItemNote)
	what       string   // an item in words, for messages and errors
	field      string   // the collection in words, for unknown fields
	fields     []string // what SetField accepts, in the order errors list them
	texts      []string // those held as collaborative text (the rest are plain)
	textKind   string   // TextRef.Kind of those texts
}

var (
	timelineKind = datedKind{collection: "timeline", item: ItemTimeline, what: "timeline entry", field: "timeline",
		fields: []string{"title", "date", "note"}}
	notesKind = datedKind{collection: "notes", item: ItemNote, what: "meeting notes", field: "notes",
		fields: []string{"title", "date", "attendees", "body"}, texts: []string{"body"}, textKind: "note"}
)

// Timeline lists the timeline entries in date order without reading the
// rest of the plan.
func (p *Plan) Timeline() []TimelineEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timelineLocked()
}

func (p *Plan) timelineLocked() []TimelineEntry {
	return readDated(p, timelineKind, func(id string, m *am.Map) TimelineEntry {
		return TimelineEntry{ID: id, Title: p.str(m, "title"), Date: p.str(m, "date"), Note: p.str(m, "note")}
	})
}

// Notes lists the meeting notes in date order, bodies included.
func (p *Plan) Notes() []Note {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notesLocked()
}

func (p *Plan) notesLocked() []Note {
	return readDated(p, notesKind, func(id string, m *am.Map) Note {
		return Note{ID: id, Date: p.str(m, "date"), Title: p.str(m, "title"), Attendees: p.str(m, "attendees"), Body: p.str(m, "body")}
	})
}

// readDated reads a dated collection in order; callers hold p.mu.
func readDated[T any](p *Plan, k datedKind, read func(id string, m *am.Map) T) []T {
	c := p.mapAt(k.collection)
	var out []T
	for _, id := range p.keysIn(c) {
		out = append(out, read(id, mapIn(c, id)))
	}
	return out
}

// AddTimeline adds a dated entry to the process timeline.
func (p *Plan) AddTimeline(title, date, note string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	d, err := ParseDate(date)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(title) == "" {
		return "", fmt.Errorf("%w: a timeline entry needs a title", ErrInvalid)
	}
	return p.addDatedLocked(timelineKind, title, d, map[string]any{"note": note})
}

// SetTimelineField sets title, date or note of a timeline entry.
func (p *Plan) SetTimelineField(id, field, value string) error {
	return p.setDatedField(timelineKind, id, field, value)
}

// RemoveTimeline deletes a timeline entry.
func (p *Plan) RemoveTimeline(id string) error { return p.removeDated(timelineKind, id) }

// AddNote starts a set of meeting notes and returns its ID. The date
// defaults to today and the title to one naming the date.
func (p *Plan) AddNote(date, title string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return "", err
	}
	d, err := ParseDate(date)
	if err != nil {
		return "", err
	}
	if d == "" {
		d = p.now().Format(DateLayout)
	}
	if strings.TrimSpace(title) == "" {
		title = "Meeting " + d
	}
	return p.addDatedLocked(notesKind, title, d, map[string]any{"attendees": "", "body": am.NewText("")})
}

// SetNoteField sets title, date, attendees or body of meeting notes.
func (p *Plan) SetNoteField(id, field, value string) error {
	return p.setDatedField(notesKind, id, field, value)
}

// RemoveNote deletes a set of meeting notes.
func (p *Plan) RemoveNote(id string) error { return p.removeDated(notesKind, id) }

// addDatedLocked adds an item with its title, a checked date and its other
// fields; callers hold p.mu and have called beforeEdit.
func (p *Plan) addDatedLocked(k datedKind, title, date string, fields map[string]any) (string, error) {
	title = strings.TrimSpace(title)
	n := len(title)
	for _, v := range fields {
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	if err := p.reserveLocked(n); err != nil {
		return "", err
	}
	fields["title"], fields["date"], fields["order"] = title, date, date
	id, _, err := newItem(p.mapAt(k.collection), fields)
	if err != nil {
		return "", err
	}
	p.touchEdit(Edit{Verb: VerbAdd, Item: k.item, ID: id, Inserted: utf8.RuneCountInString(title)})
	return id, nil
}

// setDatedField sets one field of a dated item from its text form; a new
// date moves the item to its place in date order.
func (p *Plan) setDatedField(k datedKind, id, field, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mapAt(k.collection, id)
	if m == nil {
		return fmt.Errorf("%w: %s %s", ErrNotFound, k.what, id)
	}
	msg := Edit{Verb: VerbEdit, Item: k.item, ID: id, Field: field}
	switch {
	case !slices.Contains(k.fields, field):
		return fmt.Errorf("%w: %s field %q (want %s)", ErrUnknownField, k.field, field, strings.Join(k.fields, ", "))
	case field == "date":
		d, err := ParseDate(value)
		if err != nil {
			return err
		}
		if err := p.setStr(m, "date", d, msg); err != nil {
			return err
		}
		return p.setStr(m, "order", d, Edit{})
	case slices.Contains(k.texts, field):
		return p.setTextLocked(TextRef{Kind: k.textKind, ID: id, Field: field}, value)
	}
	return p.setStr(m, field, value, msg)
}

func (p *Plan) removeDated(k datedKind, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeIn(p.mapAt(k.collection), id, Edit{Verb: VerbRemove, Item: k.item, ID: id})
}
