package doc

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// SessionGap is the longest pause inside one editing session.
const SessionGap = 10 * time.Minute

// Session is one author's stretch of editing: their changes with no pause
// of SessionGap or more between them.
type Session struct {
	First    string    `json:"first"` // its first change
	Last     string    `json:"last"`  // its last change: the version after it
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	PeerID   string    `json:"peerId"`
	Actor    string    `json:"actor"` // when the author is unknown
	Author   string    `json:"author"`
	Org      string    `json:"org"`
	Side     Side      `json:"side"`
	Verified bool      `json:"verified"` // every change in it verified as the author's
	Changes  int       `json:"changes"`
	Inserted int       `json:"inserted"` // characters of text typed
	Deleted  int       `json:"deleted"`  // and deleted
	// Commitments are the IDs of the commitments it touched.
	Commitments []string `json:"commitments"`
	Edits       []Edit   `json:"edits"`
	Summary     string   `json:"summary"`
}

// HistoryFilter narrows history; its zero value keeps everything.
type HistoryFilter struct {
	// Member is a peer ID, a unique prefix of one, or a name (any case).
	Member string
	Org    string // an organisation, any case
	Side   Side
	// Commitment is a commitment's ID: only edits of it (its fields,
	// milestones and comments) count.
	Commitment string
	Since      time.Time // edits at or after
	Until      time.Time // edits before (zero: no end)
}

func (f HistoryFilter) author(a Author, actor string) bool {
	if f.Member != "" {
		m := strings.ToLower(strings.TrimSpace(f.Member))
		if !strings.EqualFold(a.Name, m) && (a.PeerID == "" || !strings.HasPrefix(strings.ToLower(a.PeerID), m)) &&
			!strings.HasPrefix(actor, m) {
			return false
		}
	}
	if f.Org != "" && !strings.EqualFold(strings.TrimSpace(f.Org), a.Org) {
		return false
	}
	return f.Side == "" || f.Side == a.Side
}

func (f HistoryFilter) when(t time.Time) bool {
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

// touches keeps the edits of a change that concern the filter's
// commitment (all of them when it names none).
func (f HistoryFilter) touches(edits []Edit) []Edit {
	if f.Commitment == "" {
		return edits
	}
	var out []Edit
	for _, e := range edits {
		if e.CommitmentID() == f.Commitment {
			out = append(out, e)
		}
	}
	return out
}

// Sessions groups the plan's history into editing sessions, oldest first,
// keeping what the filter admits. Each has a summary in words, such as
// "Maurice Frankel (Campaign for Freedom of Information) edited the
// description of commitment 4, 14:02–14:20, +312 −40 characters" (times
// in the local zone). It reads the change index, never the document, so it
// stays fast on long histories.
func (p *Plan) Sessions(f HistoryFilter) ([]Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ix, err := p.indexLocked()
	if err != nil {
		return nil, err
	}
	at := p.attributorLocked()
	type pick struct {
		r     *changeRec
		edits []Edit
		a     Author
		ok    bool
	}
	byAuthor := map[string][]pick{}
	var order []string
	for i := range ix.recs {
		r := &ix.recs[i]
		if !f.when(r.time) {
			continue
		}
		if at.attestationOnly(r) {
			continue
		}
		a, ok := at.of(r)
		if !f.author(a, r.actor) {
			continue
		}
		edits := f.touches(r.edits)
		if f.Commitment != "" && len(edits) == 0 {
			continue
		}
		key := a.PeerID
		if key == "" {
			key = "actor:" + r.actor
		}
		if _, seen := byAuthor[key]; !seen {
			order = append(order, key)
		}
		byAuthor[key] = append(byAuthor[key], pick{r, edits, a, ok})
	}
	var out []Session
	for _, key := range order {
		picks := byAuthor[key]
		sort.SliceStable(picks, func(i, j int) bool { return picks[i].r.time.Before(picks[j].r.time) })
		var s *Session
		for _, pk := range picks {
			if s == nil || pk.r.time.Sub(s.End) >= SessionGap {
				out = append(out, Session{First: pk.r.hash, Start: pk.r.time, PeerID: pk.a.PeerID, Author: pk.a.Name,
					Org: pk.a.Org, Side: pk.a.Side, Verified: true})
				s = &out[len(out)-1]
				if pk.a.PeerID == "" {
					s.Actor = pk.r.actor
				}
			}
			s.Last, s.End = pk.r.hash, pk.r.time
			s.Changes++
			s.Verified = s.Verified && pk.ok
			s.Edits = mergeEdits(s.Edits, pk.edits)
			if len(pk.edits) == 0 && pk.r.words != "" {
				s.Edits = mergeEdits(s.Edits, []Edit{{Words: pk.r.words}})
			}
		}
	}
	for i := range out {
		s := &out[i]
		for _, e := range s.Edits {
			s.Inserted += e.Inserted
			s.Deleted += e.Deleted
			if c := e.CommitmentID(); c != "" && !contains(s.Commitments, c) {
				s.Commitments = append(s.Commitments, c)
			}
		}
		s.Summary = s.summary()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// summary puts a session into words.
func (s *Session) summary() string {
	who := s.Author
	if who == "" {
		who = "Someone unknown"
		if s.Actor != "" {
			who += " (device " + short(s.Actor) + ")"
		}
	} else if s.Org != "" {
		who += " (" + s.Org + ")"
	}
	what := describe(s.Edits, true, false)
	if what == "" {
		what = "made changes"
	}
	start, end := s.Start.Local(), s.End.Local()
	when := start.Format("15:04")
	switch {
	case end.YearDay() != start.YearDay() || end.Year() != start.Year():
		when += "–" + end.Format("2 Jan 15:04")
	case end.Format("15:04") != when:
		when += "–" + end.Format("15:04")
	}
	out := fmt.Sprintf("%s %s, %s", who, what, when)
	if s.Inserted > 0 || s.Deleted > 0 {
		out += fmt.Sprintf(", +%d −%d characters", s.Inserted, s.Deleted)
	}
	return out
}
