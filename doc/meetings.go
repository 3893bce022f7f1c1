package doc

import (
	"time"
)

// Meeting is a forum meeting as its marks record it: who was there and
// the versions at its start and end.
type Meeting struct {
	ID         string    `json:"id"` // its start mark's
	Title      string    `json:"title"`
	Note       string    `json:"note"` // the meeting notes it writes into
	Attendees  []string  `json:"attendees"`
	StartHeads []string  `json:"startHeads"`
	Started    time.Time `json:"started"`
	StartedBy  string    `json:"startedBy"`
	EndHeads   []string  `json:"endHeads,omitempty"`
	EndedAt    time.Time `json:"endedAt,omitempty"`
	EndedBy    string    `json:"endedBy,omitempty"`
}

// Ended reports whether the meeting has been ended.
func (m Meeting) Ended() bool { return len(m.EndHeads) > 0 }

// meetingsLocked reads the meetings from their marks, oldest first. Two
// peers ending one meeting at once both leave a mark; the earlier counts.
func (p *Plan) meetingsLocked() []Meeting {
	marks := p.marksLocked("")
	var out []Meeting
	at := map[string]int{}
	for _, m := range marks {
		if m.Kind == MarkMeetingStart {
			at[m.ID] = len(out)
			out = append(out, Meeting{ID: m.ID, Title: m.Label, Note: m.Note, Attendees: m.Attendees,
				StartHeads: m.Heads, Started: m.At, StartedBy: m.By})
		}
	}
	for _, m := range marks {
		i, ok := at[m.Meeting]
		if m.Kind != MarkMeetingEnd || !ok || out[i].Ended() {
			continue
		}
		out[i].EndHeads, out[i].EndedAt, out[i].EndedBy = m.Heads, m.At, m.By
	}
	return out
}

// Meetings lists the meetings, oldest first.
func (p *Plan) Meetings() []Meeting {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.meetingsLocked()
}
