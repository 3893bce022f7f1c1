package doc

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	am "github.com/automerge/automerge-go"
)

func sortMembers(ms []Member) {
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Name != ms[j].Name {
			return ms[i].Name < ms[j].Name
		}
		return ms[i].PeerID < ms[j].PeerID
	})
}

// Info is a plan's heading, cheap to read.
type Info struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Country     string `json:"country"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
}

// Info reads the plan's heading.
func (p *Plan) Info() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.infoLocked()
}

func (p *Plan) infoLocked() Info {
	m := p.mapAt("plan")
	return Info{ID: p.id, Title: p.str(m, "title"), Country: p.str(m, "country"),
		PeriodStart: p.str(m, "periodStart"), PeriodEnd: p.str(m, "periodEnd")}
}

// Content reads the whole plan as plain data.
func (p *Plan) Content() Content {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.contentLocked()
}

func (p *Plan) contentLocked() Content {
	info := p.infoLocked()
	c := Content{Schema: SchemaVersion, ID: info.ID, Title: info.Title, Country: info.Country,
		PeriodStart: info.PeriodStart, PeriodEnd: info.PeriodEnd, Vision: p.str(p.mapAt("plan"), "vision"),
		Commitments: []Commitment{}, Comments: []Comment{}, Timeline: []TimelineEntry{}, Notes: []Note{}}
	cs := p.mapAt("commitments")
	for i, id := range p.keysIn(cs) {
		c.Commitments = append(c.Commitments, p.readCommitment(id, i+1, mapIn(cs, id)))
	}
	cm := p.mapAt("comments")
	for _, id := range p.keysIn(cm) {
		c.Comments = append(c.Comments, p.readComment(id, mapIn(cm, id)))
	}
	c.Timeline = append(c.Timeline, p.timelineLocked()...)
	c.Notes = append(c.Notes, p.notesLocked()...)
	c.Members = p.membersLocked()
	return c
}

func (p *Plan) readComment(id string, m *am.Map) Comment {
	cm := Comment{ID: id, Target: p.str(m, "target"), Author: p.str(m, "author"), Body: p.str(m, "body"), Resolved: boolIn(m, "resolved")}
	if t := timeIn(m, "at"); t.ok {
		cm.At = t.t
	}
	p.readCommentThread(m, &cm)
	return cm
}

func (p *Plan) readCommitment(id string, n int, m *am.Map) Commitment {
	c := Commitment{ID: id, Number: n}
	c.Title = p.str(m, "title")
	c.Lead = p.str(m, "lead")
	c.Support = p.str(m, "support")
	c.Problem = p.str(m, "problem")
	c.Description = p.str(m, "description")
	c.Contribution = p.str(m, "contribution")
	c.Additional = p.str(m, "additional")
	c.Response = p.str(m, "response")
	c.State = State(p.str(m, "state"))
	c.Start = p.str(m, "start")
	c.End = p.str(m, "end")
	c.Contact = p.str(m, "contact")
	v := mapIn(m, "values")
	c.Values = Values{Transparency: boolIn(v, "transparency"), Participation: boolIn(v, "participation"),
		Accountability: boolIn(v, "accountability"), Technology: boolIn(v, "technology")}
	c.Themes = setIn(mapIn(m, "themes"))
	if c.Themes == nil {
		c.Themes = []string{}
	}
	c.Origin = p.readOrigin(m)
	ms := mapIn(m, "milestones")
	c.Milestones = []Milestone{}
	for _, mid := range p.keysIn(ms) {
		mm := mapIn(ms, mid)
		c.Milestones = append(c.Milestones, Milestone{ID: mid, Title: p.str(mm, "title"), Deliverable: p.str(mm, "deliverable"),
			Start: p.str(mm, "start"), End: p.str(mm, "end"), Progress: Progress(p.str(mm, "progress"))})
	}
	return c
}

func (p *Plan) readOrigin(commitment *am.Map) Origin {
	o := mapIn(commitment, "origin")
	return Origin{Side: Side(p.str(o, "side")), Org: p.str(o, "org"), By: p.str(o, "by")}
}

// Commitment reads one commitment.
func (p *Plan) Commitment(id string) (Commitment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := p.mapAt("commitments")
	m := mapIn(cs, id)
	if m == nil {
		return Commitment{}, fmt.Errorf("%w: commitment %s", ErrNotFound, id)
	}
	return p.readCommitment(id, p.numberOf(id), m), nil
}

// Summary is what an outline shows of a commitment.
type Summary struct {
	ID     string
	Number int
	Title  string
	State  State
	Origin Origin
	Themes []string
}

// Summaries lists the commitments in order without their long texts.
func (p *Plan) Summaries() []Summary {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := p.mapAt("commitments")
	var out []Summary
	for i, id := range p.keysIn(cs) {
		m := mapIn(cs, id)
		out = append(out, Summary{ID: id, Number: i + 1, Title: p.str(m, "title"), State: State(p.str(m, "state")),
			Origin: p.readOrigin(m), Themes: setIn(mapIn(m, "themes"))})
	}
	return out
}

// SearchCommitments lists, in order, the commitments whose title, texts,
// lead, support, contact, organisation or themes contain q (case-folded).
// It spares a search box reading the whole plan.
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

// ResolveCommitment finds a commitment by ID, unique ID prefix, or number
// ("3" or "#3").
func (p *Plan) ResolveCommitment(ref string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return resolveIn(p.keysIn(p.mapAt("commitments")), ref, "commitment")
}

// ResolveMilestone finds a milestone of a commitment the same way.
func (p *Plan) ResolveMilestone(cid, ref string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ms := p.mapAt("commitments", cid, "milestones")
	if ms == nil {
		return "", fmt.Errorf("%w: commitment %s", ErrNotFound, cid)
	}
	return resolveIn(p.keysIn(ms), ref, "milestone")
}

// ResolveItem finds a timeline entry ("timeline"), notes ("notes") or
// comment ("comments") by ID or unique prefix.
func (p *Plan) ResolveItem(collection, ref string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return resolveIn(p.keysIn(p.mapAt(collection)), ref, collection)
}

func resolveIn(ids []string, ref, what string) (string, error) {
	ref = strings.TrimSpace(ref)
	num := strings.TrimPrefix(ref, "#")
	n := atoiOK(num)
	if n > 0 && len(num) < 6 && n <= len(ids) {
		return ids[n-1], nil
	}
	// "#9", or a number too short to be a useful prefix, names a number only:
	// "9" must not silently pick the commitment whose ID starts with 9.
	if n > 0 && (num != ref || len(num) < 4) {
		return "", fmt.Errorf("%w: %s %s (there are %d)", ErrNotFound, what, ref, len(ids))
	}
	found := matchID(ids, ref)
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if n > 0 {
			return "", fmt.Errorf("%w: %s %s (there are %d)", ErrNotFound, what, ref, len(ids))
		}
		return "", fmt.Errorf("%w: %s %q", ErrNotFound, what, ref)
	}
	return "", fmt.Errorf("%w: %s %q matches %d", ErrAmbiguous, what, ref, len(found))
}

// matchID finds ref among ids: the one it equals, or else every one it is
// a prefix of.
func matchID(ids []string, ref string) []string {
	if slices.Contains(ids, ref) {
		return []string{ref}
	}
	var found []string
	for _, id := range ids {
		if ref != "" && strings.HasPrefix(id, ref) {
			found = append(found, id)
		}
	}
	return found
}

func atoiOK(s string) int {
	if s == "" {
		return 0
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}
