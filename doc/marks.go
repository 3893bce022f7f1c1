package doc

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coplan/coplan/doc/authority"
)

// Marks name versions of the plan: named drafts ("Draft for consultation,
// 1 Nov") and the start and end of meetings. A mark is a signed authority
// statement (doc/authority: NamedDraft, MeetingStart, MeetingEnd), made by
// this device's key and read back only from the evaluated statements, so
// nobody can move the heads a mark names: a mark written into the document
// by hand is no statement at all, and a statement whose signature fails or
// whose signer had no right to make it counts for nothing and is listed by
// RefusedMarks. Everything else reaches marks through makeMarkLocked and
// marksLocked. The plain "mark:ID" root entries earlier builds wrote are
// not read at all: no plan with them was deployed, and reading them would
// let any client move a mark.
//
// Who may make them is the rulebook's (doc/authority): any member names a
// draft; co-chairs and administrators start and end meetings, and whoever
// started a meeting may end it.

// MarkKind says what a mark names.
type MarkKind string

const (
	MarkDraft        MarkKind = "draft"
	MarkMeetingStart MarkKind = "meeting-start"
	MarkMeetingEnd   MarkKind = "meeting-end"
)

// Errors of marks.
var (
	ErrDraftExists = errors.New("a draft with that label exists")
)

// Mark is one named version.
type Mark struct {
	ID        string    `json:"id"` // its statement's ID
	Kind      MarkKind  `json:"kind"`
	Label     string    `json:"label"`             // a draft's label, a meeting's title
	Meeting   string    `json:"meeting,omitempty"` // the meeting an end mark closes
	Heads     []string  `json:"heads"`
	By        string    `json:"by"`                  // the peer ID of the device that signed it
	At        time.Time `json:"at"`                  // the signer's clock, for people to read
	Attendees []string  `json:"attendees,omitempty"` // a meeting's start: who is there
	Note      string    `json:"note,omitempty"`      // a meeting's notes
}

// makeMarkLocked signs a mark's statement and stores it; callers hold p.mu
// and have called beforeEdit. A statement the device has no right to make
// is refused here with the rulebook's reason, and nothing is written.
func (p *Plan) makeMarkLocked(body authority.Body, msg string) (authority.ID, error) {
	return p.makeAtLocked(body, msg, p.now())
}

// checkMarkLocked says whether this device may make the statement now,
// before anything that goes with it (a meeting's notes) is written.
func (p *Plan) checkMarkLocked(body authority.Body) error {
	if p.author.Key == nil {
		return fmt.Errorf("%w: the plan was opened without the device key", ErrNoDeviceKey)
	}
	st, err := p.authorityLocked()
	if err != nil {
		return err
	}
	err = st.Check(p.Device(), body, p.now())
	if errors.Is(err, authority.ErrNotMember) {
		what := "name a draft"
		switch body.Kind() {
		case authority.KindMeetingStart:
			what = "start a meeting"
		case authority.KindMeetingEnd:
			what = "end a meeting"
		}
		return fmt.Errorf("%w: this device (%s) is not a member of the plan, so it cannot %s", authority.ErrNotMember, p.Device().Short(), what)
	}
	return err
}

// marksLocked lists the marks of one kind ("" for all), oldest first, from
// the valid statements only.
func (p *Plan) marksLocked(kind MarkKind) []Mark {
	st, err := p.authorityLocked()
	if err != nil || st == nil {
		return nil
	}
	var out []Mark
	if kind == "" || kind == MarkDraft {
		for _, d := range st.Drafts() {
			out = append(out, Mark{ID: d.ID.String(), Kind: MarkDraft, Label: d.Label, Heads: d.Heads, By: d.Signer.PeerID(), At: d.Time})
		}
	}
	for _, m := range st.Meetings() {
		if kind == "" || kind == MarkMeetingStart {
			out = append(out, Mark{ID: m.ID.String(), Kind: MarkMeetingStart, Label: m.Title, Heads: m.Heads,
				By: m.StartedBy.PeerID(), At: m.Time, Attendees: m.Attendees, Note: m.Note})
		}
		if m.Ended && (kind == "" || kind == MarkMeetingEnd) {
			out = append(out, Mark{ID: m.End.ID.String(), Kind: MarkMeetingEnd, Label: m.Title, Meeting: m.ID.String(),
				Heads: m.End.Heads, By: m.End.By.PeerID(), At: m.End.Time, Attendees: m.End.Attendees, Note: m.Note})
		}
	}
	slices.SortStableFunc(out, func(a, b Mark) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ID, b.ID)) })
	return out
}

// RefusedMark is a draft or meeting mark that counts for nothing: its
// signature did not verify, or its signer had no right to make it.
type RefusedMark struct {
	ID     string   `json:"id"`
	Kind   MarkKind `json:"kind"`
	Label  string   `json:"label,omitempty"` // what it claimed
	By     string   `json:"by,omitempty"`    // the peer ID it claims to be signed by
	Reason string   `json:"reason"`
}

// RefusedMarks lists the marks the rules refused.
func (p *Plan) RefusedMarks() []RefusedMark {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.authorityLocked()
	if err != nil || st == nil {
		return nil
	}
	var out []RefusedMark
	for _, r := range st.Rejected {
		var k MarkKind
		switch r.Kind {
		case authority.KindNamedDraft:
			k = MarkDraft
		case authority.KindMeetingStart:
			k = MarkMeetingStart
		case authority.KindMeetingEnd:
			k = MarkMeetingEnd
		default:
			continue
		}
		rm := RefusedMark{ID: r.ID.String(), Kind: k, Reason: r.Reason}
		if !r.Signer.IsZero() {
			rm.By = r.Signer.PeerID()
		}
		switch b := r.Claimed.(type) {
		case authority.NamedDraft:
			rm.Label = b.Label
		case authority.MeetingStart:
			rm.Label = b.Title
		}
		out = append(out, rm)
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
	body := authority.NewNamedDraft(label, headStrings(p.d.Heads()))
	if err := p.checkMarkLocked(body); err != nil {
		return Mark{}, err
	}
	id, err := p.makeMarkLocked(body, "Save named draft “"+label+"”")
	if err != nil {
		return Mark{}, err
	}
	if err := p.commitLocked(); err != nil {
		return Mark{}, err
	}
	for _, d := range p.marksLocked(MarkDraft) {
		if d.ID == id.String() {
			return d, nil
		}
	}
	return Mark{}, fmt.Errorf("%w: the draft just named", ErrNotFound)
}

// Drafts lists the named drafts, oldest first.
func (p *Plan) Drafts() []Mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.marksLocked(MarkDraft)
}

// MayNameDraft says whether this device may name a draft now: nil, or the
// rulebook's reason it may not.
func (p *Plan) MayNameDraft() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checkMarkLocked(authority.NewNamedDraft("check", headStrings(p.d.Heads())))
}
