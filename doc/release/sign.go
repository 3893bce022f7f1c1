package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/export"
	"github.com/coplan/coplan/internal/atomicfile"
)

// Names of the files in a release's export folder.
const (
	FilePDF      = "plan.pdf"
	FileHTML     = "plan.html"
	FileMarkdown = "plan.md"
	FileJSON     = "plan.json"
	FileICS      = "timeline.ics"
	FileManifest = "release.json"
	FileSums     = "SHA256SUMS"
	FileSumsSig  = "SHA256SUMS.sig"
	FileAllowed  = "allowed_signers"
	FileVerify   = "VERIFY.txt"
	// FileProof is the proof bundle of the release statement: the plan's
	// signed statements that show, from the plan's genesis, that the signer
	// was the minister with this key (package doc/authority).
	FileProof = "authority.proof"
)

func sign(data []byte, s ssh.Signer, namespace string) ([]byte, error) {
	sig, err := sshsig.Sign(bytes.NewReader(data), s, sshsig.HashSHA512, namespace)
	if err != nil {
		return nil, err
	}
	return sshsig.Armor(sig), nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Endorse signs, as a co-chair, the plan's current content under a version
// label, and stores the endorsement in the document: the SSHSIG-signed
// endorsement and an endorsement statement signed by this device, which
// every peer checks was a co-chair's device using a key registered to that
// co-chair. The endorsement holds for that exact content: any later edit to
// the plan proper needs a new one.
func Endorse(p *doc.Plan, label string, s ssh.Signer, now time.Time) (doc.EndorsementRecord, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return doc.EndorsementRecord{}, fmt.Errorf("%w: a version label is needed", doc.ErrInvalid)
	}
	heads := p.Heads()
	c, err := p.ContentAt(heads)
	if err != nil {
		return doc.EndorsementRecord{}, err
	}
	m, err := keyHolder(c.Members, s.PublicKey(), doc.RoleCoChair, ErrNotCoChair)
	if err != nil {
		return doc.EndorsementRecord{}, err
	}
	st := Statement{Format: EndorsementFormat, Plan: c.ID, Version: label, ContentSHA256: export.ContentSHA256(c),
		Heads: heads, PeerID: m.PeerID, Role: doc.RoleCoChair, Side: m.Side, At: now.UTC().Truncate(time.Second)}
	stmt, _ := json.Marshal(st)
	sig, err := sign(stmt, s, EndorseNamespace)
	if err != nil {
		return doc.EndorsementRecord{}, err
	}
	if _, err := p.Make(authority.NewEndorsement(label, heads, sha256Hex(stmt), Fingerprint(s.PublicKey())), ""); err != nil {
		return doc.EndorsementRecord{}, fmt.Errorf("%w: %w", ErrNotCoChair, err)
	}
	rec := doc.EndorsementRecord{Label: label, Heads: heads, ContentSHA256: st.ContentSHA256, Peer: m.PeerID, At: st.At, Statement: stmt, Sig: sig}
	if err := p.AddEndorsement(rec); err != nil {
		return doc.EndorsementRecord{}, err
	}
	return rec, nil
}

// checkEndorsement verifies one endorsement against the plan, version and
// content it claims, and against the members record at the release heads.
func checkEndorsement(planID, label, contentSHA string, members []doc.Member, stmt, armored []byte) (Statement, doc.Member, ssh.PublicKey, error) {
	var st Statement
	if err := json.Unmarshal(stmt, &st); err != nil || st.Format != EndorsementFormat {
		return st, doc.Member{}, nil, fmt.Errorf("%w: unreadable endorsement", ErrNotEndorsed)
	}
	if st.Plan != planID || st.Version != label || st.ContentSHA256 != contentSHA {
		return st, doc.Member{}, nil, fmt.Errorf("%w: endorsement is of another version", ErrNotEndorsed)
	}
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return st, doc.Member{}, nil, fmt.Errorf("%w: endorsement signature: %v", ErrBadSignature, err)
	}
	if err := sshsig.Verify(bytes.NewReader(stmt), sig, sig.PublicKey, sig.HashAlgorithm, EndorseNamespace); err != nil {
		return st, doc.Member{}, nil, fmt.Errorf("%w: endorsement: %v", ErrBadSignature, err)
	}
	m, err := keyHolder(members, sig.PublicKey, doc.RoleCoChair, ErrNotCoChair)
	if err != nil {
		return st, doc.Member{}, nil, err
	}
	if m.PeerID != st.PeerID || m.Side != st.Side {
		return st, doc.Member{}, nil, fmt.Errorf("%w: endorsement names %s, key belongs to %s", ErrNotEndorsed, st.PeerID, m.Name)
	}
	return st, m, sig.PublicKey, nil
}

// Sign checks that the plan is ready, that s is a minister's registered key
// and (when the plan requires it) that both co-chairs endorsed this exact
// content; then it signs the release manifest, makes the release statement
// (signed by this device, which every peer checks was the minister's, with
// a key the minister's own device registered), adds the statement's proof
// bundle to the export, signs the export's SHA256SUMS, and stores the
// release in the document, where it syncs to every peer.
func Sign(p *doc.Plan, label string, s ssh.Signer, now time.Time) (doc.ReleaseRecord, *Manifest, error) {
	label = strings.TrimSpace(label)
	if label == "" || strings.ContainsAny(label, "\n\r") {
		return doc.ReleaseRecord{}, nil, fmt.Errorf("%w: a version label is needed", doc.ErrInvalid)
	}
	for _, r := range p.Releases() {
		if r.Label == label {
			return doc.ReleaseRecord{}, nil, fmt.Errorf("%w: %q", doc.ErrReleaseExists, label)
		}
	}
	heads := p.Heads()
	c, err := p.ContentAt(heads)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	if probs := Check(c); len(probs) > 0 {
		return doc.ReleaseRecord{}, nil, &NotReadyError{Problems: probs}
	}
	pub := s.PublicKey()
	minister, err := keyHolder(c.Members, pub, doc.RoleMinister, ErrNotMinister)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	contentSHA := export.ContentSHA256(c)
	required := p.Settings().EndorsementsRequired
	ends, err := endorsementsFor(p, c, label, contentSHA, required)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	m := &Manifest{Format: ManifestFormat, Version: label, Heads: heads, ContentSHA256: contentSHA,
		Plan:                 PlanRef{ID: c.ID, Title: c.Title, Country: c.Country, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd},
		EndorsementsRequired: required, Endorsements: ends, SignedAt: now.UTC().Truncate(time.Second),
		Signer: Signer{PeerID: minister.PeerID, Name: minister.Name, Org: minister.Org, Side: minister.Side, Role: doc.RoleMinister,
			Identity: Identity(minister.Name), KeyFingerprint: Fingerprint(pub), PublicKey: AuthorizedKey(pub)},
		Decisions: []Decision{}}
	for _, cm := range c.Commitments {
		m.Decisions = append(m.Decisions, Decision{Commitment: cm.ID, Number: cm.Number, Title: cm.Title,
			Origin: cm.Origin, Decision: cm.State, Response: cm.Response})
	}
	files, err := render(c, m, pub)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	for _, name := range sortedNames(files) {
		m.Files = append(m.Files, FileHash{Name: name, SHA256: sha256Hex(files[name])})
	}
	manifest := marshalStable(m)
	files[FileManifest] = manifest
	manifestSig, err := sign(manifest, s, Namespace)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	id, err := p.Make(authority.NewRelease(label, heads, sha256Hex(manifest), Fingerprint(pub)), "")
	if err != nil {
		return doc.ReleaseRecord{}, nil, fmt.Errorf("%w: %w", ErrNotMinister, err)
	}
	st, err := p.Authority()
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	proof, err := st.Bundle(id)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	files[FileProof] = proof
	sums := sumsFile(files)
	sumsSig, err := sign(sums, s, Namespace)
	if err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	rec := doc.ReleaseRecord{Label: label, Heads: heads, SignedAt: m.SignedAt, SignerPeer: minister.PeerID,
		Manifest: manifest, ManifestSig: manifestSig, Sums: sums, SumsSig: sumsSig, Proof: proof}
	if err := p.AddRelease(rec); err != nil {
		return doc.ReleaseRecord{}, nil, err
	}
	for _, r := range p.Releases() {
		if bytes.Equal(r.Manifest, manifest) {
			rec.ID = r.ID
		}
	}
	return rec, m, nil
}

// endorsementsFor gathers the valid endorsements of this content under
// label, one per side; when required, both sides must be there.
func endorsementsFor(p *doc.Plan, c doc.Content, label, contentSHA string, required bool) ([]Endorsement, error) {
	bySide := map[doc.Side]Endorsement{}
	var firstErr error
	auth, err := p.Authority()
	if err != nil {
		return nil, err
	}
	for _, rec := range p.Endorsements() {
		if rec.Label != label {
			continue
		}
		st, m, pub, err := checkEndorsement(c.ID, label, contentSHA, c.Members, rec.Statement, rec.Sig)
		if err == nil {
			err = endorsementStatement(auth.Endorsements(), rec.Statement, pub, st.Side)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if _, ok := bySide[st.Side]; ok {
			continue
		}
		bySide[st.Side] = Endorsement{Name: m.Name, Org: m.Org, Side: m.Side, KeyFingerprint: Fingerprint(pub),
			PublicKey: AuthorizedKey(pub), Statement: string(rec.Statement), Signature: string(rec.Sig)}
	}
	var out []Endorsement
	var missing []string
	for _, side := range []doc.Side{doc.Government, doc.CivilSociety} {
		if e, ok := bySide[side]; ok {
			out = append(out, e)
		} else {
			missing = append(missing, "the "+string(side)+" co-chair")
		}
	}
	if required && len(missing) > 0 {
		err := fmt.Errorf("%w: version %q of this content needs an endorsement by %s", ErrNotEndorsed, label, strings.Join(missing, " and "))
		if firstErr != nil {
			err = fmt.Errorf("%w (an endorsement was set aside: %v)", err, firstErr)
		}
		return nil, err
	}
	if out == nil {
		out = []Endorsement{}
	}
	return out, nil
}

// endorsementStatement finds the valid endorsement statement (made by a
// co-chair's device) for the signed endorsement document stmt.
func endorsementStatement(valid []authority.SignedEndorsement, stmt []byte, pub ssh.PublicKey, side doc.Side) error {
	digest, fp := sha256Hex(stmt), Fingerprint(pub)
	for _, e := range valid {
		if e.Digest == digest && e.KeyFingerprint == fp && string(e.Side) == string(side) {
			return nil
		}
	}
	return fmt.Errorf("%w: no valid endorsement statement from a co-chair's device for it (key %s)", ErrNotEndorsed, fp)
}

// render makes every published file but the manifest and the sums: a pure
// function of the content at the release heads and the manifest.
func render(c doc.Content, m *Manifest, pub ssh.PublicKey) (map[string][]byte, error) {
	so := m.signOff()
	c = export.PlanProper(c)
	pdf, err := export.PDF(c, &so)
	if err != nil {
		return nil, err
	}
	md := export.Markdown(c)
	md = append(md, markdownSignOff(&so)...)
	return map[string][]byte{
		FilePDF:      pdf,
		FileHTML:     export.HTML(c, &so),
		FileMarkdown: md,
		FileJSON:     export.CanonicalJSON(c),
		FileICS:      export.ICS(c, &so),
		FileAllowed:  AllowedSigners(m.Signer.Identity, pub),
		FileVerify:   verifyText(m),
	}, nil
}

func markdownSignOff(s *export.SignOff) []byte {
	var b strings.Builder
	b.WriteString("## Signature\n\n")
	fmt.Fprintf(&b, "Version %s, signed %s by %s (%s).\n\n", s.Version, s.SignedAt.UTC().Format("2 January 2006, 15:04 UTC"), s.Signer.Name, s.Signer.Role)
	fmt.Fprintf(&b, "- Key fingerprint: `%s`\n- Content SHA-256: `%s`\n- Document heads: %s\n", s.Signer.Fingerprint, s.ContentSHA256, "`"+strings.Join(s.Heads, "`, `")+"`")
	for _, e := range s.Endorsements {
		fmt.Fprintf(&b, "- Endorsed by %s (%s co-chair), key `%s`\n", e.Name, e.Side, e.Fingerprint)
	}
	b.WriteString("\nTo verify, run in the folder that holds the published files:\n\n")
	for _, c := range export.VerifyCommands(s.Identity) {
		b.WriteString("    " + c + "\n")
	}
	return []byte(b.String())
}

func verifyText(m *Manifest) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nVersion %s, signed %s by %s (minister).\n\n", m.Plan.Title, m.Version,
		m.SignedAt.UTC().Format("2 January 2006, 15:04 UTC"), m.Signer.Name)
	b.WriteString("To check that these files are the signed plan, run these two commands in\nthis folder (they need OpenSSH and GNU coreutils):\n\n")
	for _, c := range export.VerifyCommands(m.Signer.Identity) {
		b.WriteString("  " + c + "\n")
	}
	fmt.Fprintf(&b, "\nThe first checks the minister's signature on SHA256SUMS, the list of\nevery file with its SHA-256; the second checks each file against that\nlist. Both must succeed.\n\n")
	fmt.Fprintf(&b, "The signing key's fingerprint is\n\n  %s\n\nand the plan's ID is\n\n  %s\n\n", m.Signer.KeyFingerprint, m.Plan.ID)
	b.WriteString("allowed_signers travels with the files, so these commands show only that\n" +
		"the files are unchanged since someone signed them: a forger can replace\n" +
		"the files, allowed_signers and the signature together. Before trusting\n" +
		"them, compare the fingerprint and the plan ID above with the ones the\n" +
		"government publishes on an official channel. With Coplan, the check is\n" +
		"made against the published values for you:\n\n" +
		"  coplan verify . --id PLAN-ID      (checks the minister's authority from the plan's root)\n" +
		"  coplan verify . --signer SHA256:FINGERPRINT\n\n" +
		"authority.proof holds the plan's signed statements that show the signer\n" +
		"held the minister role, with this key, when signing.\n")
	return []byte(b.String())
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sumsFile is SHA256SUMS in sha256sum's format, sorted by name.
func sumsFile(files map[string][]byte) []byte {
	var b bytes.Buffer
	for _, n := range sortedNames(files) {
		fmt.Fprintf(&b, "%s  %s\n", sha256Hex(files[n]), n)
	}
	return b.Bytes()
}

// Find returns the release with this label (or ID). Two releases signed
// concurrently on two peers under one label are reported as ambiguous;
// their IDs tell them apart.
func Find(p *doc.Plan, ref string) (doc.ReleaseRecord, error) {
	var found []doc.ReleaseRecord
	for _, r := range p.Releases() {
		if r.ID == ref {
			return r, nil
		}
		if r.Label == ref {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return doc.ReleaseRecord{}, fmt.Errorf("%w: %q", ErrUnknownRelease, ref)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, r := range found {
		ids[i] = r.ID
	}
	return doc.ReleaseRecord{}, fmt.Errorf("%w: %q was signed more than once (IDs %s)", ErrAmbiguous, ref, strings.Join(ids, ", "))
}

// Bundle returns every file of a release's export, exactly as signed. It
// re-renders from the document at the release heads and checks the result
// against the signed hashes, so what it returns is what was signed.
func Bundle(p *doc.Plan, ref string) (map[string][]byte, *Manifest, error) {
	rec, err := Find(p, ref)
	if err != nil {
		return nil, nil, err
	}
	m, err := ParseManifest(rec.Manifest)
	if err != nil {
		return nil, nil, err
	}
	if m.Plan.ID != p.ID() {
		return nil, nil, fmt.Errorf("%w: %s", ErrOtherPlan, m.Plan.ID)
	}
	pub, _, err := ParsePublicKey([]byte(m.Signer.PublicKey))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if err := verifyArmored(rec.Manifest, rec.ManifestSig, pub); err != nil {
		return nil, nil, fmt.Errorf("release %s: manifest: %w", rec.Label, err)
	}
	c, err := p.ContentAt(m.Heads)
	if err != nil {
		return nil, nil, err
	}
	if export.ContentSHA256(c) != m.ContentSHA256 {
		return nil, nil, fmt.Errorf("%w: the plan at the release heads", ErrContentMismatch)
	}
	files, err := render(c, m, pub)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range m.Files {
		if sha256Hex(files[f.Name]) != f.SHA256 {
			return nil, nil, fmt.Errorf("%w: %s", ErrRenderMismatch, f.Name)
		}
	}
	files[FileManifest] = rec.Manifest
	if len(rec.Proof) > 0 {
		files[FileProof] = rec.Proof
	}
	if !bytes.Equal(sumsFile(files), rec.Sums) {
		return nil, nil, fmt.Errorf("%w: %s", ErrRenderMismatch, FileSums)
	}
	files[FileSums] = rec.Sums
	files[FileSumsSig] = rec.SumsSig
	return files, m, nil
}

// Export writes a release's files into dir (made if needed).
func Export(p *doc.Plan, ref, dir string) (*Manifest, error) {
	files, m, err := Bundle(p, ref)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, n := range sortedNames(files) {
		if err := atomicfile.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func verifyArmored(data, armored []byte, pub ssh.PublicKey) error {
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if sig.Namespace != Namespace {
		return fmt.Errorf("%w: %q (want %q)", ErrWrongNamespace, sig.Namespace, Namespace)
	}
	if err := sshsig.Verify(bytes.NewReader(data), sig, pub, sig.HashAlgorithm, Namespace); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// Status says, for each release, whether the plan proper has changed since.
type Status struct {
	Record   doc.ReleaseRecord
	Manifest *Manifest
	// Changed: the content now differs from the signed content.
	Changed bool
	// Changes counts document changes since the release heads (including
	// ones outside the plan proper, such as comments and the release itself).
	Changes int
}

// Statuses lists every release with whether the plan changed since.
func Statuses(p *doc.Plan) []Status {
	now := export.ContentSHA256(p.Content())
	var out []Status
	for _, r := range p.Releases() {
		st := Status{Record: r}
		if m, err := ParseManifest(r.Manifest); err == nil {
			st.Manifest = m
			st.Changed = m.ContentSHA256 != now
		}
		st.Changes, _ = p.CountChangesSince(r.Heads)
		out = append(out, st)
	}
	return out
}
