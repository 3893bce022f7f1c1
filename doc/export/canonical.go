package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/coplan/coplan/doc"
)

// CanonicalFormat names the layout of the canonical content (plan.json).
const CanonicalFormat = "coplan-plan/1"

// Canonical is the plan proper: what a release signs and publishes. It holds
// the plan's heading, its commitments (with decisions, reasoned responses and
// milestones) and its timeline. It leaves out process data that is not part
// of the plan and would make the hash move without the plan changing:
// comments, meeting notes, and the members record (devices, join times).
// Field order is fixed by this struct, so the JSON is byte-stable.
type Canonical struct {
	Format      string              `json:"format"`
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Country     string              `json:"country"`
	PeriodStart string              `json:"periodStart"`
	PeriodEnd   string              `json:"periodEnd"`
	Vision      string              `json:"vision"`
	Commitments []doc.Commitment    `json:"commitments"`
	Timeline    []doc.TimelineEntry `json:"timeline"`
}

// PlanProper returns c without its process data (see Canonical), with
// empty lists rather than nil ones so renderings do not depend on how the
// content was read.
func PlanProper(c doc.Content) doc.Content {
	out := doc.Content{Schema: c.Schema, ID: c.ID, Title: c.Title, Country: c.Country, PeriodStart: c.PeriodStart,
		PeriodEnd: c.PeriodEnd, Vision: c.Vision, Comments: []doc.Comment{}, Notes: []doc.Note{}, Members: []doc.Member{},
		Commitments: make([]doc.Commitment, len(c.Commitments)), Timeline: append([]doc.TimelineEntry{}, c.Timeline...)}
	for i, cm := range c.Commitments {
		if cm.Themes == nil {
			cm.Themes = []string{}
		}
		cm.Milestones = append([]doc.Milestone{}, cm.Milestones...)
		out.Commitments[i] = cm
	}
	return out
}

// CanonicalJSON is plan.json: the canonical content, indented, with a final
// newline. Its SHA-256 is the content hash a release signs.
func CanonicalJSON(c doc.Content) []byte {
	p := PlanProper(c)
	v := Canonical{Format: CanonicalFormat, ID: p.ID, Title: p.Title, Country: p.Country, PeriodStart: p.PeriodStart,
		PeriodEnd: p.PeriodEnd, Vision: p.Vision, Commitments: p.Commitments, Timeline: p.Timeline}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep the text readable; it is never embedded in HTML
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // plain strings, ints and bools cannot fail to encode
	}
	return b.Bytes()
}

// ContentSHA256 is the hex SHA-256 of CanonicalJSON(c).
func ContentSHA256(c doc.Content) string {
	h := sha256.Sum256(CanonicalJSON(c))
	return hex.EncodeToString(h[:])
}

// Person is a signer or endorser as the published pages show them.
type Person struct {
	Name        string    `json:"name"`
	Org         string    `json:"org"`
	Side        doc.Side  `json:"side"`
	Role        string    `json:"role"`
	Fingerprint string    `json:"keyFingerprint"`
	At          time.Time `json:"at"`
}

// SignOff is what a signed release says about itself, for the signature
// page of each rendering. Renderings depend only on the content and this.
type SignOff struct {
	Version       string
	Heads         []string
	ContentSHA256 string
	SignedAt      time.Time
	Signer        Person
	Identity      string // the allowed_signers principal
	Endorsements  []Person
}
