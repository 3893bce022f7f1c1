// Package release is ministerial sign-off: the readiness check, co-chair
// endorsements, the signed release manifest, the published export of a
// release and its verification. Signatures are SSHSIG over OpenSSH keys, so
// anyone can check a published plan with ssh-keygen and sha256sum.
package release

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/export"
)

// Signature namespaces. Endorsements have their own so a co-chair's
// endorsement can never pass for the minister's release signature.
const (
	Namespace        = "coplan-release"
	EndorseNamespace = "coplan-endorse"
)

// Formats written in the signed JSON documents.
const (
	ManifestFormat    = "coplan-release/1"
	EndorsementFormat = "coplan-endorsement/1"
)

// Sentinel errors; each names one reason a signing, export or verification
// is refused.
var (
	ErrNotReady         = errors.New("the plan is not ready to sign")
	ErrKeyNotRegistered = errors.New("the key is not registered to any member")
	ErrNotMinister      = errors.New("the signer does not hold the minister role")
	ErrNotCoChair       = errors.New("the endorser does not hold the co-chair role")
	ErrNotEndorsed      = errors.New("the version is not endorsed by both co-chairs")
	ErrUnknownRelease   = errors.New("no such release")
	ErrAmbiguous        = errors.New("ambiguous release")
	ErrRenderMismatch   = errors.New("this build renders the release differently from the one that signed it")
	ErrMissingFile      = errors.New("missing file")
	ErrFileModified     = errors.New("file does not match SHA256SUMS")
	ErrBadSignature     = errors.New("signature does not verify")
	ErrWrongNamespace   = errors.New("signature has the wrong namespace")
	ErrUnknownSigner    = errors.New("signing key is not in allowed_signers")
	ErrBadManifest      = errors.New("bad release manifest")
	ErrSignerMismatch   = errors.New("the manifest names another signer")
	ErrContentMismatch  = errors.New("content does not match the signed hash")
	ErrOtherPlan        = errors.New("the release is of another plan")
	ErrRecordMismatch   = errors.New("the plan records a different release under this label")
)

// PlanRef names the plan a release is of.
type PlanRef struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Country     string `json:"country"`
	PeriodStart string `json:"periodStart"`
	PeriodEnd   string `json:"periodEnd"`
}

// Decision is one commitment's decision as signed.
type Decision struct {
	Commitment string     `json:"commitment"`
	Number     int        `json:"number"`
	Title      string     `json:"title"`
	Origin     doc.Origin `json:"origin"`
	Decision   doc.State  `json:"decision"`
	Response   string     `json:"response"`
}

// Signer is the minister who signed, and the key they signed with.
type Signer struct {
	PeerID         string   `json:"peerId"`
	Name           string   `json:"name"`
	Org            string   `json:"org"`
	Side           doc.Side `json:"side"`
	Role           string   `json:"role"`
	Identity       string   `json:"identity"` // the allowed_signers principal
	KeyFingerprint string   `json:"keyFingerprint"`
	PublicKey      string   `json:"publicKey"` // authorized_keys form
}

// Endorsement is a co-chair's signed endorsement, carried in the manifest
// so the public can check it too.
type Endorsement struct {
	Name           string   `json:"name"`
	Org            string   `json:"org"`
	Side           doc.Side `json:"side"`
	KeyFingerprint string   `json:"keyFingerprint"`
	PublicKey      string   `json:"publicKey"`
	Statement      string   `json:"statement"` // the exact signed bytes (JSON)
	Signature      string   `json:"signature"` // armored SSHSIG, namespace coplan-endorse
}

// Statement is what a co-chair signs: this content of this plan, under this
// version label.
type Statement struct {
	Format        string    `json:"format"`
	Plan          string    `json:"plan"`
	Version       string    `json:"version"`
	ContentSHA256 string    `json:"contentSha256"`
	Heads         []string  `json:"heads"` // the version the co-chair looked at
	PeerID        string    `json:"peerId"`
	Role          string    `json:"role"`
	Side          doc.Side  `json:"side"`
	At            time.Time `json:"at"`
}

// FileHash is one published file's SHA-256.
type FileHash struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Manifest is release.json: what the minister signs.
type Manifest struct {
	Format               string        `json:"format"`
	Plan                 PlanRef       `json:"plan"`
	Version              string        `json:"version"`
	Heads                []string      `json:"heads"`
	ContentSHA256        string        `json:"contentSha256"`
	Decisions            []Decision    `json:"decisions"`
	EndorsementsRequired bool          `json:"endorsementsRequired"`
	Endorsements         []Endorsement `json:"endorsements"`
	Signer               Signer        `json:"signer"`
	SignedAt             time.Time     `json:"signedAt"`
	Files                []FileHash    `json:"files"` // the renderings, not release.json or the sums
}

func marshalStable(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // fixed structs of strings, ints, bools and times
	}
	return b.Bytes()
}

// ParseManifest reads release.json.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%w: format %q (want %s)", ErrBadManifest, m.Format, ManifestFormat)
	}
	if m.Plan.ID == "" || m.Version == "" || len(m.Heads) == 0 || m.ContentSHA256 == "" || m.Signer.PublicKey == "" {
		return nil, fmt.Errorf("%w: incomplete", ErrBadManifest)
	}
	return &m, nil
}

// signOff is what the renderings show of the manifest.
func (m *Manifest) signOff() export.SignOff {
	s := export.SignOff{Version: m.Version, Heads: m.Heads, ContentSHA256: m.ContentSHA256, SignedAt: m.SignedAt,
		Identity: m.Signer.Identity}
	s.Signer.Name, s.Signer.Org, s.Signer.Side, s.Signer.Role = m.Signer.Name, m.Signer.Org, m.Signer.Side, m.Signer.Role
	s.Signer.Fingerprint, s.Signer.At = m.Signer.KeyFingerprint, m.SignedAt
	for _, e := range m.Endorsements {
		var st Statement
		_ = json.Unmarshal([]byte(e.Statement), &st)
		s.Endorsements = append(s.Endorsements, export.Person{Name: e.Name, Org: e.Org, Side: e.Side, Role: doc.RoleCoChair,
			Fingerprint: e.KeyFingerprint, At: st.At})
	}
	return s
}
