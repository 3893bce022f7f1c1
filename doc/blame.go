package doc

import (
	"fmt"

	"github.com/coplan/coplan/doc/amext"
)

// Passage is a stretch of a text typed by one member (or by one unknown
// device).
type Passage struct {
	Start    int    `json:"start"` // code points, End exclusive
	End      int    `json:"end"`
	Text     string `json:"text"`
	PeerID   string `json:"peerId"`
	Actor    string `json:"actor"` // when no member claims the device
	Author   string `json:"author"`
	Org      string `json:"org"`
	Side     Side   `json:"side"`
	Verified bool   `json:"verified"`
}

// Blame says who typed each passage of a text as it stands: for every
// character, the member whose device inserted it (a later deletion and
// retyping counts as the retyper's). Neighbouring runs of one member are
// one passage.
func (p *Plan) Blame(r TextRef) ([]Passage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Pending typing goes in first, so its actor is on record as ours.
	if err := p.commitLocked(); err != nil {
		return nil, err
	}
	t, err := p.resolveText(r)
	if err != nil {
		return nil, err
	}
	text, err := t.Get()
	if err != nil {
		return nil, err
	}
	dir, field := r.path()
	path := make([]any, 0, len(dir)+1)
	for _, k := range dir {
		path = append(path, k)
	}
	path = append(path, field)
	runs, err := amext.TextInserters(p.d, path, nil)
	if err != nil {
		return nil, fmt.Errorf("blame %s: %w", p.describeText(r), err)
	}
	rs := []rune(text)
	at := p.attributorLocked()
	out := []Passage{}
	for _, run := range runs {
		a, ok := at.ofActor(run.Actor)
		if n := len(out); n > 0 && out[n-1].End == run.Start && out[n-1].PeerID == a.PeerID &&
			(a.PeerID != "" || out[n-1].Actor == run.Actor) && out[n-1].Verified == ok {
			out[n-1].End = run.End
			continue
		}
		ps := Passage{Start: run.Start, End: run.End, PeerID: a.PeerID, Author: a.Name, Org: a.Org, Side: a.Side, Verified: ok}
		if a.PeerID == "" {
			ps.Actor = run.Actor
		}
		out = append(out, ps)
	}
	for i := range out {
		if out[i].End > len(rs) || out[i].Start > out[i].End {
			return nil, fmt.Errorf("%w: blame runs past the text of %s", ErrInvalid, p.describeText(r))
		}
		out[i].Text = string(rs[out[i].Start:out[i].End])
	}
	return out, nil
}
