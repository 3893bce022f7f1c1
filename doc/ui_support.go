package doc

import (
	"strings"

	am "github.com/automerge/automerge-go"
)

// SearchCommitments lists, in order, the commitments whose title, texts,
// lead, support, contact, organisation or themes contain q (case-folded).
// The window's search box uses it without reading the whole plan.
func (p *Plan) SearchCommitments(q string) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := p.mapAt("commitments")
	var out []string
	for _, id := range p.keysIn(cs) {
		m := mapIn(cs, id)
		if q == "" || p.commitmentContains(m, q) {
			out = append(out, id)
		}
	}
	return out
}

func (p *Plan) commitmentContains(m *am.Map, q string) bool {
	fields := append([]string{"lead", "support", "contact"}, CommitmentTextFields...)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(p.str(m, f)), q) {
			return true
		}
	}
	if strings.Contains(strings.ToLower(p.str(mapIn(m, "origin"), "org")), q) {
		return true
	}
	for _, t := range setIn(mapIn(m, "themes")) {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// CommentsOn lists the comments on a commitment (and on its fields), oldest
// first, without reading the rest of the plan.
func (p *Plan) CommentsOn(cid string) []Comment {
	p.mu.Lock()
	defer p.mu.Unlock()
	cm := p.mapAt("comments")
	var out []Comment
	for _, id := range p.keysIn(cm) {
		m := mapIn(cm, id)
		t := p.str(m, "target")
		if t == cid || strings.HasPrefix(t, cid+"/") {
			out = append(out, p.readComment(id, m))
		}
	}
	return out
}

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
