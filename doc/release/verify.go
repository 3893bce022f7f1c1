package release

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/export"
)

// Report is what a successful verification established.
type Report struct {
	Manifest *Manifest
	Files    []string // every file checked against SHA256SUMS
	// PlanChecked: the plan was at hand, so the content at the heads, the
	// signer's minister role and the endorsers' roles were checked too.
	PlanChecked bool
}

// requiredFiles must all be listed in SHA256SUMS.
var requiredFiles = []string{FilePDF, FileHTML, FileMarkdown, FileJSON, FileICS, FileManifest, FileAllowed, FileVerify}

// VerifyDir checks an exported release folder, in the order a member of
// the public would: the SSHSIG on SHA256SUMS against allowed_signers, every
// file's hash, the manifest and its agreement with plan.json. When p is not
// nil it also checks that the release is of p, that the content at the
// release heads is the signed content, and that the signer held the
// minister role (and the endorsers the co-chair role) at those heads. The
// error names the first thing wrong, starting with the file it is in.
func VerifyDir(dir string, p *doc.Plan) (*Report, error) {
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

	if p == nil {
		return rep, nil
	}
	if err := verifyAgainstPlan(p, m, raw, mpub); err != nil {
		return nil, err
	}
	rep.PlanChecked = true
	return rep, nil
}

// verifyAgainstPlan checks a manifest against the plan at hand.
func verifyAgainstPlan(p *doc.Plan, m *Manifest, raw []byte, pub ssh.PublicKey) error {
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
