// Package doc is the plan document: an OGP National Action Plan held in one
// Automerge document, edited through typed operations in plan terms, stored
// crash-safely on disk and exchanged as .coplan files. No Automerge type
// leaves this package, so the CRDT engine can be replaced here alone.
//
// doc never logs through slog's package functions: plans log to the logger
// handed to their Library with SetLogger, and by default to nothing.
package doc

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coplan/coplan/doc/store"
)

// SchemaVersion is the document shape this build writes. Older documents are
// migrated on open; newer ones are refused rather than damaged.
const SchemaVersion = 1

// Sentinel errors; callers match them with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid value")
	ErrUnknownField = errors.New("unknown field")
	ErrNotAPlan     = errors.New("not a Coplan plan")
	ErrNewerSchema  = errors.New("plan was written by a newer Coplan")
	ErrAmbiguous    = errors.New("ambiguous plan reference")

	// Storage errors, the same values as doc/store's.
	ErrCorrupt       = store.ErrCorrupt
	ErrStale         = store.ErrStale
	ErrOpenElsewhere = store.ErrOpenElsewhere
	// ErrReadOnly: the plan's folder cannot be written (a read-only medium,
	// or no permission); the plan can be read, not edited.
	ErrReadOnly = store.ErrReadOnly
)

// Side is who proposed a commitment or which side a member speaks for.
type Side string

const (
	Government   Side = "government"
	CivilSociety Side = "civil-society"
)

// ParseSide accepts the two sides and a few obvious spellings.
func ParseSide(s string) (Side, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "government", "gov":
		return Government, nil
	case "civil-society", "civil society", "civilsociety", "cso", "cs":
		return CivilSociety, nil
	}
	return "", fmt.Errorf("%w: side %q (want government or civil-society)", ErrInvalid, s)
}

// State is a commitment's place in the decision process.
type State string

const (
	Proposal   State = "proposal"
	Discussion State = "under-discussion"
	Agreed     State = "agreed"
	Adopted    State = "adopted"
	NotAdopted State = "not-adopted"
)

// States lists the decision states in process order.
var States = []State{Proposal, Discussion, Agreed, Adopted, NotAdopted}

// Progress is a milestone's completion level for the self-assessment.
type Progress string

const (
	NotStarted  Progress = "not-started"
	Limited     Progress = "limited"
	Substantial Progress = "substantial"
	Completed   Progress = "completed"
)

// ParseProgress accepts a progress level ("" clears it).
func ParseProgress(s string) (Progress, error) {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-")
	switch Progress(s) {
	case "", NotStarted, Limited, Substantial, Completed:
		return Progress(s), nil
	}
	return "", fmt.Errorf("%w: progress %q (want not-started, limited, substantial or completed)", ErrInvalid, s)
}

// DateLayout is how dates are written in the document: ISO 8601 calendar dates.
const DateLayout = "2006-01-02"

// ParseDate checks a calendar date ("" clears it). A bare year or year-month
// is accepted and widened to its first day.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{DateLayout, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), nil
		}
	}
	return "", fmt.Errorf("%w: %q is not a date (want YYYY-MM-DD)", ErrInvalid, s)
}

// ParseEndDate is ParseDate for the end of a span: a bare year or
// year-month is widened to its last day.
func ParseEndDate(s string) (string, error) {
	d, err := ParseDate(s)
	if err != nil || d == "" {
		return d, err
	}
	s = strings.TrimSpace(s)
	if len(s) == 4 {
		return s + "-12-31", nil
	}
	if len(s) == 7 {
		t, _ := time.Parse(DateLayout, d)
		return t.AddDate(0, 1, -1).Format(DateLayout), nil
	}
	return d, nil
}

// Plain values and texts. DESIGN.md's rule, field by field: every long
// free text is an Automerge Text edited with splices, so two people typing
// in it at once both keep their words; every short field is a plain value
// written whole, so of two concurrent writes Automerge shows one and keeps
// the other, and both sides are told of the conflict (Conflicts) until
// someone keeps one (ResolveConflict).
//
//	             texts (splices)                    plain values (conflicts told)
//	plan         vision                             title, country, periodStart, periodEnd
//	commitment   title, problem, description,       lead, support, contact, state, start,
//	             contribution, additional, response end, origin {side, org, by},
//	                                                values {transparency, participation,
//	                                                accountability, technology}
//	milestone    title, deliverable                 start, end, progress
//	timeline     -                                  title, date, note
//	notes        body                               title, date, attendees
//	comment      body                               resolved (a toggle; not reported)
//
// Themes are a set (theme -> true): two people adding themes both count,
// so they never conflict. Order keys, IDs and the members and actors
// records are plain but nobody's words, and are not reported. The tables
// in code are CommitmentTextFields, MilestoneTextFields, notesKind.texts
// and plainFields (conflicts.go).

// Values are the OGP values a commitment is relevant to.
type Values struct {
	Transparency   bool `json:"transparency"`
	Participation  bool `json:"participation"`
	Accountability bool `json:"accountability"`
	Technology     bool `json:"technology"`
}

// ValueNames are the OGP value keys, in template order.
var ValueNames = []string{"transparency", "participation", "accountability", "technology"}

// has reports whether the value named (one of ValueNames) is ticked.
func (v Values) has(name string) bool {
	switch name {
	case "transparency":
		return v.Transparency
	case "participation":
		return v.Participation
	case "accountability":
		return v.Accountability
	case "technology":
		return v.Technology
	}
	return false
}

// Any reports whether at least one value is ticked.
func (v Values) Any() bool {
	return v.Transparency || v.Participation || v.Accountability || v.Technology
}

// Origin says who proposed a commitment.
type Origin struct {
	Side Side   `json:"side"`
	Org  string `json:"org"`
	By   string `json:"by"`
}

// Milestone is a verifiable deliverable of a commitment.
type Milestone struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Deliverable string   `json:"deliverable"`
	Start       string   `json:"start"`
	End         string   `json:"end"`
	Progress    Progress `json:"progress"`
}

// Commitment is one commitment in the OGP template.
type Commitment struct {
	ID           string      `json:"id"`
	Number       int         `json:"number"`
	Title        string      `json:"title"`
	Lead         string      `json:"lead"`
	Support      string      `json:"support"`
	Problem      string      `json:"problem"`
	Description  string      `json:"description"`
	Contribution string      `json:"contribution"`
	Additional   string      `json:"additional"`
	Values       Values      `json:"values"`
	Themes       []string    `json:"themes"`
	Origin       Origin      `json:"origin"`
	State        State       `json:"state"`
	Response     string      `json:"response"`
	Start        string      `json:"start"`
	End          string      `json:"end"`
	Contact      string      `json:"contact"`
	Milestones   []Milestone `json:"milestones"`
}

// Comment is one remark in a thread on a commitment or field.
type Comment struct {
	ID       string    `json:"id"`
	Target   string    `json:"target"`
	Author   string    `json:"author"`
	At       time.Time `json:"at"`
	Body     string    `json:"body"`
	Resolved bool      `json:"resolved"`
	// Parent is the comment whose thread this one replies in, "" for one
	// that opens a thread (see comment_replies.go).
	Parent string `json:"parent,omitempty"`
	// Anchor is the passage of a long text the comment is on, if any.
	Anchor *CommentAnchor `json:"anchor,omitempty"`
}

// TimelineEntry is a dated process milestone anybody may update.
type TimelineEntry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
	Note  string `json:"note"`
}

// Note is a set of meeting notes written jointly.
type Note struct {
	ID        string `json:"id"`
	Date      string `json:"date"`
	Title     string `json:"title"`
	Attendees string `json:"attendees"`
	Body      string `json:"body"`
}

// Member is a member of the plan as its signed statements establish it
// (package doc/authority), keyed by the peer ID of the device it was
// admitted with. Nothing here can be edited directly: see members.go.
type Member struct {
	PeerID  string    `json:"peerId"`
	Name    string    `json:"name"`
	Org     string    `json:"org"`
	Side    Side      `json:"side"`
	Roles   []string  `json:"roles"`
	Keys    []string  `json:"keys"` // registered, unrevoked signing keys ("ssh-ed25519 AAAA…")
	AddedBy string    `json:"addedBy"`
	AddedAt time.Time `json:"addedAt"`
	Removed bool      `json:"removed"`
	// Status says how far the name, organisation and side are established:
	// confirmed (by an administrator), vouched (by the inviter) or claimed
	// (by the joining device only).
	Status  string   `json:"status"`
	Devices []string `json:"devices"` // the member's current devices' peer IDs
}

// HasRole reports whether the member holds role.
func (m Member) HasRole(role string) bool {
	for _, r := range m.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Author is the person editing on this device: every change made through a
// Plan is attributed to them. Key is the device's Ed25519 private key (its
// libp2p identity): it signs the plan's authority statements and the
// attestations of what this device authored. PeerID, when empty, is
// derived from Key.
type Author struct {
	PeerID string             `json:"peerId"`
	Name   string             `json:"name"`
	Org    string             `json:"org"`
	Side   Side               `json:"side"`
	Key    ed25519.PrivateKey `json:"-"` // never written anywhere
}

// Content is the whole plan as plain data: the stable machine-readable view
// printed by `coplan show --json`.
type Content struct {
	Schema      int             `json:"schema"`
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Country     string          `json:"country"`
	PeriodStart string          `json:"periodStart"`
	PeriodEnd   string          `json:"periodEnd"`
	Vision      string          `json:"vision"`
	Commitments []Commitment    `json:"commitments"`
	Comments    []Comment       `json:"comments"`
	Timeline    []TimelineEntry `json:"timeline"`
	Notes       []Note          `json:"notes"`
	Members     []Member        `json:"members"`
}

type timeValue struct {
	t  time.Time
	ok bool
}
