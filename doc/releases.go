package doc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	am "github.com/automerge/automerge-go"
)

// Signed releases and co-chair endorsements are kept in the document so they
// sync to every peer. Each record sits under a root key of its own
// ("release:ID", "endorsement:ID") rather than in a shared map
// made on first use: two peers making that map concurrently would create two
// different objects, and the merge would keep only one of them, losing the
// other side's signed records. Record IDs are derived from the signed bytes,
// so storing the same record twice (or on two peers) is harmless.
const (
	releasePrefix     = "release:"
	endorsementPrefix = "endorsement:"
)

// Errors of releases and endorsements.
var (
	ErrReleaseExists = errors.New("a different release with that label exists")
	ErrUnknownHeads  = errors.New("this copy of the plan does not have that version")
)

// ReleaseRecord is a signed release as stored in the document. The doc
// package keeps the signed bytes as they are; package release gives them
// meaning and checks them.
type ReleaseRecord struct {
	ID          string    `json:"id"`
	Label       string    `json:"label"`
	Heads       []string  `json:"heads"`
	SignedAt    time.Time `json:"signedAt"`
	SignerPeer  string    `json:"signerPeer"`
	Manifest    []byte    `json:"manifest"`    // release.json, exactly as signed
	ManifestSig []byte    `json:"manifestSig"` // armored SSHSIG over Manifest
	Sums        []byte    `json:"sums"`        // SHA256SUMS of the export, exactly as signed
	SumsSig     []byte    `json:"sumsSig"`     // armored SSHSIG over Sums
	// Proof is the proof bundle of the release statement (doc/authority),
	// published as authority.proof and covered by Sums: kept as signed, since
	// the plan's statements go on growing after it.
	Proof []byte `json:"proof"`
}

// EndorsementRecord is a co-chair's signed endorsement of one version.
type EndorsementRecord struct {
	ID            string    `json:"id"`
	Label         string    `json:"label"`
	Heads         []string  `json:"heads"`
	ContentSHA256 string    `json:"contentSha256"`
	Peer          string    `json:"peer"`
	At            time.Time `json:"at"`
	Statement     []byte    `json:"statement"` // the signed bytes
	Sig           []byte    `json:"sig"`       // armored SSHSIG over Statement
}

func recordID(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// AddRelease stores a signed release. A release is immutable: storing the
// same one again does nothing, and a second, different release under a label
// already used is refused.
func (p *Plan) AddRelease(r ReleaseRecord) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if strings.TrimSpace(r.Label) == "" || len(r.Heads) == 0 || len(r.Manifest) == 0 || len(r.SumsSig) == 0 {
		return fmt.Errorf("%w: a release needs a label, heads, a manifest and a signature", ErrInvalid)
	}
	r.ID = recordID(r.Manifest)
	for _, old := range p.releasesLocked() {
		if old.ID == r.ID {
			return nil
		}
		if old.Label == r.Label {
			return fmt.Errorf("%w: %q", ErrReleaseExists, r.Label)
		}
	}
	if err := p.putRecordLocked(releasePrefix+r.ID, map[string]any{
		"label": r.Label, "heads": strings.Join(r.Heads, ","), "signedAt": r.SignedAt.UTC(), "signerPeer": r.SignerPeer,
		"manifest": string(r.Manifest), "manifestSig": string(r.ManifestSig), "sums": string(r.Sums), "sumsSig": string(r.SumsSig),
		"proof": r.Proof,
	}); err != nil {
		return err
	}
	p.touch("Sign release " + r.Label)
	return nil
}

// Releases lists the signed releases, oldest first. Concurrent signings of
// one label on two peers both appear; callers decide what that means.
func (p *Plan) Releases() []ReleaseRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.releasesLocked()
}

func (p *Plan) releasesLocked() []ReleaseRecord {
	return readRecords(p, releasePrefix, func(id string, m *am.Map) (ReleaseRecord, time.Time) {
		r := ReleaseRecord{ID: id, Label: p.str(m, "label"), Heads: splitHeads(p.str(m, "heads")),
			SignerPeer: p.str(m, "signerPeer"), Manifest: []byte(p.str(m, "manifest")), ManifestSig: []byte(p.str(m, "manifestSig")),
			Sums: []byte(p.str(m, "sums")), SumsSig: []byte(p.str(m, "sumsSig")), Proof: bytesIn(m, "proof")}
		if t := timeIn(m, "signedAt"); t.ok {
			r.SignedAt = t.t
		}
		return r, r.SignedAt
	})
}

// AddEndorsement stores a co-chair's signed endorsement (idempotently).
func (p *Plan) AddEndorsement(e EndorsementRecord) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.beforeEdit(); err != nil {
		return err
	}
	if strings.TrimSpace(e.Label) == "" || len(e.Statement) == 0 || len(e.Sig) == 0 {
		return fmt.Errorf("%w: an endorsement needs a label, a statement and a signature", ErrInvalid)
	}
	e.ID = recordID(e.Statement)
	if mapIn(p.d.RootMap(), endorsementPrefix+e.ID) != nil {
		return nil
	}
	if err := p.putRecordLocked(endorsementPrefix+e.ID, map[string]any{
		"label": e.Label, "heads": strings.Join(e.Heads, ","), "contentSha256": e.ContentSHA256, "peer": e.Peer,
		"at": e.At.UTC(), "statement": string(e.Statement), "sig": string(e.Sig),
	}); err != nil {
		return err
	}
	m, _ := p.memberLocked(e.Peer)
	name := m.Name
	if name == "" {
		name = short(e.Peer)
	}
	p.touch(fmt.Sprintf("Endorse version %s (%s)", e.Label, name))
	return nil
}

// Endorsements lists the stored endorsements, oldest first.
func (p *Plan) Endorsements() []EndorsementRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return readRecords(p, endorsementPrefix, func(id string, m *am.Map) (EndorsementRecord, time.Time) {
		e := EndorsementRecord{ID: id, Label: p.str(m, "label"), Heads: splitHeads(p.str(m, "heads")),
			ContentSHA256: p.str(m, "contentSha256"), Peer: p.str(m, "peer"),
			Statement: []byte(p.str(m, "statement")), Sig: []byte(p.str(m, "sig"))}
		if t := timeIn(m, "at"); t.ok {
			e.At = t.t
		}
		return e, e.At
	})
}

// putRecordLocked stores a signed record under its own root key.
func (p *Plan) putRecordLocked(key string, fields map[string]any) error {
	rec := am.NewMap()
	if err := p.d.RootMap().Set(key, rec); err != nil {
		return err
	}
	for k, v := range fields {
		if err := rec.Set(k, v); err != nil {
			return err
		}
	}
	return nil
}

// readRecords reads the records stored under prefix, oldest first by the
// time read gives (then by ID, so every peer lists them alike).
func readRecords[T any](p *Plan, prefix string, read func(id string, m *am.Map) (T, time.Time)) []T {
	type rec struct {
		v  T
		at time.Time
		id string
	}
	var rs []rec
	for _, k := range p.rootKeys(prefix) {
		id := strings.TrimPrefix(k, prefix)
		v, at := read(id, mapIn(p.d.RootMap(), k))
		rs = append(rs, rec{v, at, id})
	}
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].at.Equal(rs[j].at) {
			return rs[i].at.Before(rs[j].at)
		}
		return rs[i].id < rs[j].id
	})
	var out []T
	for _, r := range rs {
		out = append(out, r.v)
	}
	return out
}

func (p *Plan) rootKeys(prefix string) []string {
	keys, err := p.d.RootMap().Keys()
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) && mapIn(p.d.RootMap(), k) != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func splitHeads(s string) []string {
	if s == "" {
		return nil
	}
	hs := strings.Split(s, ",")
	sort.Strings(hs)
	return hs
}

func (p *Plan) parseHeadsLocked(heads []string) ([]am.ChangeHash, error) {
	if len(heads) == 0 {
		return nil, fmt.Errorf("%w: no heads", ErrInvalid)
	}
	out := make([]am.ChangeHash, 0, len(heads))
	for _, h := range heads {
		ch, err := am.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("%w: head %q", ErrInvalid, h)
		}
		if _, err := p.d.Change(ch); err != nil {
			return nil, fmt.Errorf("%w (missing change %s)", ErrUnknownHeads, short(h))
		}
		out = append(out, ch)
	}
	return out, nil
}

// HasHeads reports whether this copy holds the version named by heads.
func (p *Plan) HasHeads(heads []string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.parseHeadsLocked(heads)
	return err == nil
}

// ContentAt reads the plan as it was at the version named by heads. This is
// how a signed release stays exactly as signed while editing goes on.
func (p *Plan) ContentAt(heads []string) (Content, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return Content{}, err
	}
	hs, err := p.parseHeadsLocked(heads)
	if err != nil {
		return Content{}, err
	}
	old, err := p.forkLocked(hs, Version{Kind: VersionChange, Heads: heads})
	if err != nil {
		return Content{}, err
	}
	return old.contentLocked(), nil
}

// CountChangesSince counts the changes made after the version named by heads.
func (p *Plan) CountChangesSince(heads []string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.commitLocked(); err != nil {
		return 0, err
	}
	hs, err := p.parseHeadsLocked(heads)
	if err != nil {
		return 0, err
	}
	chs, err := p.d.Changes(hs...)
	if err != nil {
		return 0, err
	}
	return len(chs), nil
}

func bytesIn(m *am.Map, key string) []byte {
	if m == nil {
		return nil
	}
	v, err := m.Get(key)
	if err != nil || v.Kind() != am.KindBytes {
		return nil
	}
	return v.Bytes()
}
