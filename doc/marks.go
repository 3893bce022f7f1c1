package doc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
)

// Marks name versions of the plan: named drafts ("Draft for consultation,
// 1 Nov") and the start and end of meetings. A mark is written once and
// never edited, each under a root key of its own (as releases are, so two
// peers' marks never meet in one map), with an ID derived from what it
// says. Everything else reaches marks through putMarkLocked and
// marksLocked: when marks become signed statements under the authority
// rules, so that nobody can move the heads a mark names, only those two
// change.

// MarkKind says what a mark names.
type MarkKind string

const (
	MarkDraft        MarkKind = "draft"
	MarkMeetingStart MarkKind = "meeting-start"
	MarkMeetingEnd   MarkKind = "meeting-end"
)

const markPrefix = "mark:"

// Errors of marks.
var (
	ErrDraftExists = errors.New("a draft with that label exists")
)

// Mark is one named version.
type Mark struct {
	ID        string    `json:"id"`
	Kind      MarkKind  `json:"kind"`
	Label     string    `json:"label"`             // a draft's label, a meeting's title
	Meeting   string    `json:"meeting,omitempty"` // the meeting an end mark closes
	Heads     []string  `json:"heads"`
	By        string    `json:"by"` // the peer ID of the device that made it
	At        time.Time `json:"at"`
	Attendees []string  `json:"attendees,omitempty"` // a meeting's start: who is there
	Note      string    `json:"note,omitempty"`      // a meeting's notes
}

// putMarkLocked stores a mark; callers hold p.mu and have called
// beforeEdit. Its ID comes from its content, so storing it twice (or on
// two peers) is harmless.
func (p *Plan) putMarkLocked(m *Mark) error {
	if len(m.Heads) == 0 {
		return fmt.Errorf("%w: a mark needs heads", ErrInvalid)
	}
	m.At = m.At.UTC().Truncate(time.Millisecond)
	m.ID = recordID([]byte(strings.Join([]string{string(m.Kind), m.Label, m.Meeting, strings.Join(m.Heads, ","), m.By,
		m.At.Format(time.RFC3339Nano), strings.Join(m.Attendees, "\n"), m.Note}, "\x00")))
	if mapIn(p.d.RootMap(), markPrefix+m.ID) != nil {
		return nil
	}
	return p.putRecordLocked(markPrefix+m.ID, map[string]any{
		"kind": string(m.Kind), "label": m.Label, "meeting": m.Meeting, "heads": strings.Join(m.Heads, ","),
		"by": m.By, "at": m.At, "attendees": strings.Join(m.Attendees, "\n"), "note": m.Note,
	})
}

// marksLocked lists the marks of one kind ("" for all), oldest first.
func (p *Plan) marksLocked(kind MarkKind) []Mark {
	all := readRecords(p, markPrefix, func(id string, m *am.Map) (Mark, time.Time) {
		mk := Mark{ID: id, Kind: MarkKind(p.str(m, "kind")), Label: p.str(m, "label"), Meeting: p.str(m, "meeting"),
			Heads: splitHeads(p.str(m, "heads")), By: p.str(m, "by"), Note: p.str(m, "note")}
		if a := p.str(m, "attendees"); a != "" {
			mk.Attendees = strings.Split(a, "\n")
		}
		if t := timeIn(m, "at"); t.ok {
			mk.At = t.t
		}
		return mk, mk.At
	})
	var out []Mark
	for _, m := range all {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// SaveDraft names the current version: a draft everyone sees, to open,
// compare and export. Labels are unique among drafts.
func (p *Plan) SaveDraft(label string) (Mark, error) {
	label = strings.Join(strings.Fields(label), " ")
	if label == "" {
		return Mark{}, fmt.Errorf("%w: a draft needs a label", ErrInvalid)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return Mark{}, err
	}
	if err := p.beforeEdit(); err != nil {
		return Mark{}, err
	}
	for _, d := range p.marksLocked(MarkDraft) {
		if d.Label == label {
			return Mark{}, fmt.Errorf("%w: %q", ErrDraftExists, label)
		}
	}
	m := Mark{Kind: MarkDraft, Label: label, Heads: headStrings(p.d.Heads()), By: p.author.PeerID, At: p.now()}
	if err := p.putMarkLocked(&m); err != nil {
		return Mark{}, err
	}
	p.touch("Save named draft “" + label + "”")
	return m, p.commitLocked()
}

// Drafts lists the named drafts, oldest first.
func (p *Plan) Drafts() []Mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.marksLocked(MarkDraft)
}
