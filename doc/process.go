package doc

import (
	"fmt"
	"strings"

	am "github.com/automerge/automerge-go"
)

// The process artefacts beside the commitments: the timeline anybody may
// update and the meeting notes written jointly.

// Timeline lists the timeline entries in date order without reading the
// rest of the plan.
func (p *Plan) Timeline() []TimelineEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timelineLocked()
}

func (p *Plan) timelineLocked() []TimelineEntry {
	tl := p.mapAt("timeline")
	var out []TimelineEntry
	for _, id := range p.keysIn(tl) {
		m := mapIn(tl, id)
		out = append(out, TimelineEntry{ID: id, Title: p.str(m, "title"), Date: p.str(m, "date"), Note: p.str(m, "note")})
	}
	return out
}

// Notes lists the meeting notes in date order, bodies included.
func (p *Plan) Notes() []Note {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notesLocked()
}

func (p *Plan) notesLocked() []Note {
	ns := p.mapAt("notes")
	var out []Note
	for _, id := range p.keysIn(ns) {
		m := mapIn(ns, id)
		out = append(out, Note{ID: id, Date: p.str(m, "date"), Title: p.str(m, "title"), Attendees: p.str(m, "attendees"), Body: p.str(m, "body")})
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
	id, _, err := newItem(p.mapAt("timeline"), map[string]any{"title": strings.TrimSpace(title), "date": d, "note": note, "order": d})
	if err != nil {
		return "", err
	}
	p.touch("Add timeline entry " + strings.TrimSpace(title))
	return id, nil
}

// SetTimelineField sets title, date or note of a timeline entry.
func (p *Plan) SetTimelineField(id, field, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mapAt("timeline", id)
	if m == nil {
		return fmt.Errorf("%w: timeline entry %s", ErrNotFound, id)
	}
	switch field {
	case "title", "note":
		return p.setStr(m, field, value, "Edit timeline entry "+p.str(m, "title"))
	case "date":
		d, err := ParseDate(value)
		if err != nil {
			return err
		}
		if err := p.setStr(m, "date", d, "Edit timeline entry "+p.str(m, "title")); err != nil {
			return err
		}
		return p.setStr(m, "order", d, "")
	}
	return fmt.Errorf("%w: timeline field %q (want title, date, note)", ErrUnknownField, field)
}

// RemoveTimeline deletes a timeline entry.
func (p *Plan) RemoveTimeline(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeIn(p.mapAt("timeline"), id, func() string {
		return "Remove timeline entry " + p.str(p.mapAt("timeline", id), "title")
	})
}

// AddNote starts a set of meeting notes and returns its ID.
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
	id, _, err := newItem(p.mapAt("notes"), map[string]any{"title": strings.TrimSpace(title), "date": d, "attendees": "", "order": d, "body": am.NewText("")})
	if err != nil {
		return "", err
	}
	p.touch("Add meeting notes " + strings.TrimSpace(title))
	return id, nil
}

// SetNoteField sets title, date, attendees or body of meeting notes.
func (p *Plan) SetNoteField(id, field, value string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mapAt("notes", id)
	if m == nil {
		return fmt.Errorf("%w: meeting notes %s", ErrNotFound, id)
	}
	msg := "Edit meeting notes " + p.str(m, "title")
	switch field {
	case "title", "attendees":
		return p.setStr(m, field, value, msg)
	case "date":
		d, err := ParseDate(value)
		if err != nil {
			return err
		}
		if err := p.setStr(m, "date", d, msg); err != nil {
			return err
		}
		return p.setStr(m, "order", d, "")
	case "body":
		return p.setTextLocked(NoteBody(id), value)
	}
	return fmt.Errorf("%w: notes field %q (want title, date, attendees, body)", ErrUnknownField, field)
}

// RemoveNote deletes a set of meeting notes.
func (p *Plan) RemoveNote(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeIn(p.mapAt("notes"), id, func() string {
		return "Remove meeting notes " + p.str(p.mapAt("notes", id), "title")
	})
}
