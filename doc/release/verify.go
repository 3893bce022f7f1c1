package release

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/export"
)

// Report is what a verification established.
type Report struct {
	Manifest *Manifest
	Files    []string // every file checked against SHA256SUMS
	// PlanID and Fingerprint are the release's plan and signing key: what to
	// compare with the published ones when no anchor was given.
	PlanID, Fingerprint string
	// Proof is the checked proof bundle: the release statement and the
	// authority it rests on, from the plan's genesis.
	Proof *authority.Proof
	// PlanChecked: the plan was at hand, so the content at the heads and the
	// release statement in the plan's own statements were checked too.
	PlanChecked bool
	// Anchors are the anchors from outside the folder the release was
	// verified against ("plan ID", "signer", "plan at hand").
	Anchors []string
}

// Anchor is what a verification trusts from outside the folder: a folder
// cannot vouch for itself, since a forger can replace its files,
// allowed_signers and signature together.
type Anchor struct {
	Plan    *doc.Plan // a plan this device holds
	PlanID  string    // the plan ID as published: the chain is checked from its genesis
	Signers []string  // signing key fingerprints as published ("SHA256:…")
}

func (a Anchor) none() bool { return a.Plan == nil && a.PlanID == "" && len(a.Signers) == 0 }

// ErrNotAnchored: the folder is self-consistent (signature, hashes, proof)
// but nothing from outside it says whose plan and key these are.
var ErrNotAnchored = errors.New("the signer is not authenticated: nothing from outside the folder vouches for this plan ID and key")

// requiredFiles must all be listed in SHA256SUMS.
var requiredFiles = []string{FilePDF, FileHTML, FileMarkdown, FileJSON, FileICS, FileManifest, FileAllowed, FileVerify, FileProof}

// VerifyDir is Verify with the plan at hand as the anchor (none when p is
// nil).
func VerifyDir(dir string, p *doc.Plan) (*Report, error) {
	return Verify(dir, Anchor{Plan: p})
}

// Verify checks an exported release folder, in the order a member of the
// public would: the SSHSIG on SHA256SUMS against allowed_signers, every
// file's hash, the manifest and its agreement with plan.json, then the
// proof bundle: from the genesis of the manifest's plan, the release
// statement must be valid (signed by the minister's device, with the key
// the manifest names, registered by the minister's own device) and every
// endorsement a co-chair's. Then the anchors: the published plan ID, the
// published key fingerprints, the plan at hand (its content at the release
// heads, and the release among its own statements). The error names the
// first thing wrong, starting with the file or statement it is in. With no
// anchor, a self-consistent folder gives its Report and ErrNotAnchored.
func Verify(dir string, a Anchor) (*Report, error) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", name, ErrMissingFile)
		}
		return b, err
	}
	sums, err := read(FileSums)
	if err != nil {
		return nil, err
	}
	armored, err := read(FileSumsSig)
	if err != nil {
		return nil, err
	}
	allowed, err := read(FileAllowed)
	if err != nil {
		return nil, err
	}
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", FileSumsSig, ErrBadSignature, err)
	}
	if sig.Namespace != Namespace {
		return nil, fmt.Errorf("%s: %w: %q (want %q)", FileSumsSig, ErrWrongNamespace, sig.Namespace, Namespace)
	}
	identity, err := allowedSigner(allowed, sig.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileAllowed, err)
	}
	if err := sshsig.Verify(bytes.NewReader(sums), sig, sig.PublicKey, sig.HashAlgorithm, Namespace); err != nil {
		return nil, fmt.Errorf("%s: %w (checked with %s)", FileSums, ErrBadSignature, FileSumsSig)
	}

	rep := &Report{}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for n := 1; sc.Scan(); n++ {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || !isHex(sum) || name == "" || strings.ContainsAny(name, `/\`) || name == ".." {
			return nil, fmt.Errorf("%s: line %d: %w", FileSums, n, ErrBadManifest)
		}
		if name == FileSums || name == FileSumsSig {
			return nil, fmt.Errorf("%s: lists %s: %w", FileSums, name, ErrBadManifest)
		}
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		if sha256Hex(b) != sum {
			return nil, fmt.Errorf("%s: %w", name, ErrFileModified)
		}
		listed[name] = sum
		rep.Files = append(rep.Files, name)
	}
	for _, name := range requiredFiles {
		if _, ok := listed[name]; !ok {
			return nil, fmt.Errorf("%s: not listed in %s: %w", name, FileSums, ErrMissingFile)
		}
	}

	raw, _ := read(FileManifest)
	m, err := ParseManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileManifest, err)
	}
	rep.Manifest = m
	mpub, _, err := ParsePublicKey([]byte(m.Signer.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: signer key: %v", FileManifest, ErrBadManifest, err)
	}
	if !bytes.Equal(mpub.Marshal(), sig.PublicKey.Marshal()) {
		return nil, fmt.Errorf("%s: %w: signed by %s, manifest names %s", FileManifest, ErrSignerMismatch,
			Fingerprint(sig.PublicKey), m.Signer.KeyFingerprint)
	}
	if identity != m.Signer.Identity {
		return nil, fmt.Errorf("%s: %w: identity %q, manifest names %q", FileAllowed, ErrSignerMismatch, identity, m.Signer.Identity)
	}
	for _, f := range m.Files {
		if listed[f.Name] != f.SHA256 {
			return nil, fmt.Errorf("%s: %w: manifest and %s disagree", f.Name, ErrFileModified, FileSums)
		}
	}
	planJSON, _ := read(FileJSON)
	if sha256Hex(planJSON) != m.ContentSHA256 {
		return nil, fmt.Errorf("%s: %w (manifest contentSha256)", FileJSON, ErrContentMismatch)
	}
	for _, e := range m.Endorsements {
		sig, err := sshsig.Unarmor([]byte(e.Signature))
		if err == nil {
			err = sshsig.Verify(strings.NewReader(e.Statement), sig, sig.PublicKey, sig.HashAlgorithm, EndorseNamespace)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: endorsement by %s: %w", FileManifest, e.Name, ErrBadSignature)
		}
	}
	rep.PlanID, rep.Fingerprint = m.Plan.ID, Fingerprint(sig.PublicKey)

	proofRaw, _ := read(FileProof)
	proof, err := checkProof(m, raw, proofRaw, mpub, nil)
	if err != nil {
		return nil, err
	}
	rep.Proof = proof

	if a.PlanID != "" {
		if !strings.EqualFold(strings.TrimSpace(a.PlanID), m.Plan.ID) {
			return nil, fmt.Errorf("%s: %w: it is of plan %s, not of the published plan %s", FileManifest, ErrOtherPlan, m.Plan.ID, a.PlanID)
		}
		rep.Anchors = append(rep.Anchors, "plan ID")
	}
	if len(a.Signers) > 0 {
		if !slices.Contains(a.Signers, rep.Fingerprint) {
			return nil, fmt.Errorf("%s: %w: signed with key %s, which is not the published key (%s)", FileSumsSig, ErrUnknownSigner,
				rep.Fingerprint, strings.Join(a.Signers, ", "))
		}
		rep.Anchors = append(rep.Anchors, "signer")
	}
	if a.Plan != nil {
		if err := verifyAgainstPlan(a.Plan, m, raw, mpub, proofRaw); err != nil {
			return nil, err
		}
		rep.PlanChecked = true
		rep.Anchors = append(rep.Anchors, "plan at hand")
	}
	if a.none() {
		return rep, ErrNotAnchored
	}
	return rep, nil
}

// checkProof checks the proof bundle against the manifest: the release
// statement is valid from the genesis of the manifest's plan (with extra,
// the plan at hand's own statements, added), it is of this manifest, heads
// and key, and each endorsement in the manifest has its co-chair's
// statement.
func checkProof(m *Manifest, manifest, proofRaw []byte, pub ssh.PublicKey, extra [][]byte) (*authority.Proof, error) {
	var proof *authority.Proof
	var err error
	if extra == nil {
		proof, err = authority.VerifyBundle(m.Plan.ID, proofRaw)
	} else {
		proof, err = verifyBundleWith(m.Plan.ID, proofRaw, extra)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileProof, err)
	}
	r := proof.Release
	switch {
	case r.Key != AuthorizedKey(pub) || r.KeyFingerprint != Fingerprint(pub):
		return nil, fmt.Errorf("%s: release statement %s: %w: the minister signed with key %s, the folder with %s", FileProof, r.ID.Short(),
			ErrSignerMismatch, r.KeyFingerprint, Fingerprint(pub))
	case r.Manifest != sha256Hex(manifest):
		return nil, fmt.Errorf("%s: release statement %s: %w: it is of another release.json", FileProof, r.ID.Short(), ErrBadManifest)
	case r.Label != m.Version || !slices.Equal(r.Heads, sortedLower(m.Heads)):
		return nil, fmt.Errorf("%s: release statement %s: %w: it names version %s at other heads", FileProof, r.ID.Short(), ErrBadManifest, r.Label)
	case r.Signer.PeerID() != m.Signer.PeerID && r.Member.PeerID() != m.Signer.PeerID:
		return nil, fmt.Errorf("%s: release statement %s: %w: made by device %s, the manifest names %s", FileProof, r.ID.Short(),
			ErrSignerMismatch, r.Signer.PeerID(), m.Signer.PeerID)
	}
	sides := map[doc.Side]bool{}
	for _, e := range m.Endorsements {
		pk, _, err := ParsePublicKey([]byte(e.PublicKey))
		if err != nil {
			return nil, fmt.Errorf("%s: endorsement by %s: %w: %v", FileManifest, e.Name, ErrBadManifest, err)
		}
		if err := endorsementStatement(proof.Endorsements, []byte(e.Statement), pk, e.Side); err != nil {
			return nil, fmt.Errorf("%s: endorsement by %s: %w", FileProof, e.Name, err)
		}
		sides[e.Side] = true
	}
	if m.EndorsementsRequired && (!sides[doc.Government] || !sides[doc.CivilSociety]) {
		return nil, fmt.Errorf("%s: %w", FileManifest, ErrNotEndorsed)
	}
	return proof, nil
}

// verifyBundleWith is VerifyBundle over the bundle's statements and the
// plan at hand's together: statements are self-authenticating, so adding
// what the plan knows (a later revocation, say) can only make the verdict
// more current.
func verifyBundleWith(planID string, bundle []byte, extra [][]byte) (*authority.Proof, error) {
	id, stmts, err := authority.ParseBundle(bundle)
	if err != nil {
		return nil, err
	}
	st, err := authority.Evaluate(planID, append(stmts, extra...))
	if err != nil {
		return nil, err
	}
	r, err := st.Release(id)
	if err != nil {
		return nil, fmt.Errorf("release statement %s, judged with the plan's own statements: %w", id.Short(), err)
	}
	p := &authority.Proof{Release: r, State: st}
	for _, e := range st.Endorsements() {
		if e.Label == r.Label {
			p.Endorsements = append(p.Endorsements, e)
		}
	}
	return p, nil
}

func sortedLower(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = strings.ToLower(strings.TrimSpace(h))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// verifyAgainstPlan checks a manifest against the plan at hand: its ID,
// its content at the release heads, and the release statement judged with
// every statement the plan holds.
func verifyAgainstPlan(p *doc.Plan, m *Manifest, raw []byte, pub ssh.PublicKey, proofRaw []byte) error {
	if m.Plan.ID != p.ID() {
		return fmt.Errorf("%s: %w: it is of plan %s (%q), not %s", FileManifest, ErrOtherPlan, m.Plan.ID, m.Plan.Title, p.ID())
	}
	c, err := p.ContentAt(m.Heads)
	if err != nil {
		return fmt.Errorf("%s: heads: %w", FileManifest, err)
	}
	if export.ContentSHA256(c) != m.ContentSHA256 {
		return fmt.Errorf("%s: %w: the plan at the release heads", FileManifest, ErrContentMismatch)
	}
	if _, err := checkProof(m, raw, proofRaw, pub, p.Statements()); err != nil {
		return fmt.Errorf("in the plan at hand: %w", err)
	}
	if _, err := keyHolder(c.Members, pub, doc.RoleMinister, ErrNotMinister); err != nil {
		return fmt.Errorf("%s: signer at the release heads: %w", FileManifest, err)
	}
	sides := map[doc.Side]bool{}
	for _, e := range m.Endorsements {
		st, _, _, err := checkEndorsement(m.Plan.ID, m.Version, m.ContentSHA256, c.Members, []byte(e.Statement), []byte(e.Signature))
		if err != nil {
			return fmt.Errorf("%s: endorsement by %s: %w", FileManifest, e.Name, err)
		}
		sides[st.Side] = true
	}
	if m.EndorsementsRequired && (!sides[doc.Government] || !sides[doc.CivilSociety]) {
		return fmt.Errorf("%s: %w", FileManifest, ErrNotEndorsed)
	}
	// An older copy may not have the record yet; if it has records under
	// this label, one of them must be this manifest.
	recorded, same := false, false
	for _, r := range p.Releases() {
		if r.Label == m.Version {
			recorded = true
			same = same || bytes.Equal(r.Manifest, raw)
		}
	}
	if recorded && !same {
		return fmt.Errorf("%s: %w (%s)", FileManifest, ErrRecordMismatch, m.Version)
	}
	return nil
}

// allowedSigner finds pub in an allowed_signers file and returns its
// principal; the line must allow the coplan-release namespace.
func allowedSigner(file []byte, pub ssh.PublicKey) (string, error) {
	want := pub.Marshal()
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		principal, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		namespaces := ""
		if strings.HasPrefix(rest, "namespaces=") {
			opt, after, _ := strings.Cut(rest, " ")
			namespaces = strings.Trim(strings.TrimPrefix(opt, "namespaces="), `"`)
			rest = strings.TrimSpace(after)
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rest))
		if err != nil || !bytes.Equal(k.Marshal(), want) {
			continue
		}
		if namespaces != "" && !containsWord(namespaces, Namespace) {
			continue
		}
		return principal, nil
	}
	return "", fmt.Errorf("%w (%s)", ErrUnknownSigner, Fingerprint(pub))
}

func containsWord(list, w string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == w {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// AllowedSignerFingerprints reads an allowed_signers file (as published
// with a government's key) and returns the fingerprints of the keys it
// allows for the coplan-release namespace.
func AllowedSignerFingerprints(file []byte) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "namespaces=") {
			opt, after, _ := strings.Cut(rest, " ")
			if !containsWord(strings.Trim(strings.TrimPrefix(opt, "namespaces="), `"`), Namespace) {
				continue
			}
			rest = strings.TrimSpace(after)
		}
		if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rest)); err == nil {
			out = append(out, Fingerprint(k))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no key for the %s namespace in the allowed signers file", ErrUnknownSigner, Namespace)
	}
	return out, nil
}
