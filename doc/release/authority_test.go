package release

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	am "github.com/automerge/automerge-go"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/export"
)

// forgeRelease writes the release folder a member's device could make by
// skipping every check Sign makes: the manifest, renderings and SHA256SUMS
// signed with s, and a release statement signed by dev's device with its
// proof bundle (every statement of the plan plus that one), as a forger
// using this code's parts would. It returns the folder and the statement.
func forgeRelease(t *testing.T, p *doc.Plan, dev doc.Author, s ssh.Signer, label string) (string, []byte) {
	t.Helper()
	heads := p.Heads()
	c, err := p.ContentAt(heads)
	must(t, err)
	pub := s.PublicKey()
	m := &Manifest{Format: ManifestFormat, Version: label, Heads: heads, ContentSHA256: export.ContentSHA256(c),
		Plan:         PlanRef{ID: c.ID, Title: c.Title, Country: c.Country, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd},
		Endorsements: []Endorsement{}, SignedAt: signedAt, Decisions: []Decision{},
		Signer: Signer{PeerID: dev.PeerID, Name: dev.Name, Org: dev.Org, Side: dev.Side, Role: doc.RoleMinister,
			Identity: Identity(dev.Name), KeyFingerprint: Fingerprint(pub), PublicKey: AuthorizedKey(pub)}}
	files, err := render(c, m, pub)
	must(t, err)
	for _, name := range sortedNames(files) {
		m.Files = append(m.Files, FileHash{Name: name, SHA256: sha256Hex(files[name])})
	}
	manifest := marshalStable(m)
	files[FileManifest] = manifest
	st, err := p.Authority()
	must(t, err)
	d, _ := authority.DeviceOfKey(dev.Key)
	raw, err := authority.Sign(dev.Key, p.ID(), st.LinksFor(d, authority.KindRelease), time.Now(),
		authority.NewRelease(label, heads, sha256Hex(manifest), Fingerprint(pub)))
	must(t, err)
	files[FileProof] = encodeBundle(authority.StatementID(raw), append(p.Statements(), raw))
	sums := sumsFile(files)
	sig, err := sign(sums, s, Namespace)
	must(t, err)
	files[FileSums], files[FileSumsSig] = sums, sig
	dir := t.TempDir()
	for n, b := range files {
		must(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
	return dir, raw
}

// encodeBundle writes a proof bundle in the format doc/authority reads.
func encodeBundle(release authority.ID, stmts [][]byte) []byte {
	slices.SortFunc(stmts, func(a, b []byte) int {
		x, y := authority.StatementID(a), authority.StatementID(b)
		return bytes.Compare(x[:], y[:])
	})
	stmts = slices.CompactFunc(stmts, func(a, b []byte) bool { return bytes.Equal(a, b) })
	out := append([]byte("coplan-proof-v1\n"), release[:]...)
	out = binary.AppendUvarint(out, uint64(len(stmts)))
	for _, s := range stmts {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	return out
}

// A release whose statement was not made by the minister's device with a
// key the minister's device registered fails verification against every
// anchor, naming the statement and why; made through Sign, it is refused
// where it is made.
func TestReleaseByNonMinister(t *testing.T) {
	p, ppl := readyPlan(t, 1)
	ministerFP := Fingerprint(ppl.minister.PublicKey())
	cases := []struct {
		name   string
		dev    doc.Author
		signer ssh.Signer
		reason string
	}{
		{"a co-chair's device and key", csoDev, ppl.cso, "only the minister may sign a release"},
		{"the minister's device, a key registered to a co-chair", ministerDev, ppl.gov, "registered to Gareth Jones"},
		{"the minister's device, a key nobody registered", ministerDev, ppl.stranger, "is not a registered key"},
		{"a co-chair's device, the minister's key", govDev, ppl.minister, "only the minister may sign a release"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, raw := forgeRelease(t, p, tc.dev, tc.signer, "9.9")
			id := authority.StatementID(raw).Short()
			// Forced into the plan through automerge-go, the statement is
			// rejected and no release counts.
			q := forceStatement(t, p, raw)
			if st, err := q.Authority(); err != nil || len(st.Releases()) != 0 {
				t.Fatalf("forced release statement counts: %v", err)
			} else if r, ok := st.Rejection(authority.StatementID(raw)); !ok || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("forced release statement: rejection %+v", r)
			}
			for _, a := range []struct {
				name string
				a    Anchor
			}{
				{"--plan", Anchor{Plan: p}},
				{"--id", Anchor{PlanID: p.ID()}},
				{"--signer", Anchor{Signers: []string{ministerFP}}},
				{"no anchor", Anchor{}},
			} {
				_, err := Verify(dir, a.a)
				if err == nil || errors.Is(err, ErrNotAnchored) {
					t.Fatalf("%s: verified: %v", a.name, err)
				}
				if !strings.HasPrefix(err.Error(), FileProof+":") || !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("%s: error does not name %s, statement %s and %q: %v", a.name, FileProof, id, tc.reason, err)
				}
				t.Logf("%s: %v", a.name, err)
			}
		})
	}
	// Through Sign: the minister's key on a co-chair's device is refused
	// there, and nothing is written.
	err := onDevice(t, p, govDev, func(q *doc.Plan) error {
		before := q.Heads()
		_, _, err := Sign(q, "1.0", ppl.minister, signedAt)
		if len(q.Releases()) != 0 || !slices.Equal(before, q.Heads()) {
			t.Error("a refused signing wrote to the plan")
		}
		return err
	})
	if !errors.Is(err, authority.ErrNotAuthorized) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("signing with the minister's key from a co-chair's device: %v", err)
	}
}

// A release keeps verifying under the key valid when it was signed, after
// the minister rotates keys; a release under the revoked key is refused.
func TestKeyRotation(t *testing.T) {
	p, ppl := readyPlan(t, 1)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	dir := exportTo(t, p, "1.0")
	next := newSigner(t, "minister-2")
	must(t, p.AddMemberKey(ministerPeer, next))
	must(t, p.RevokeMemberKey(Fingerprint(ppl.minister.PublicKey())))
	for _, a := range []Anchor{{Plan: p}, {PlanID: p.ID()}} {
		if _, err := Verify(dir, a); err != nil {
			t.Fatalf("release 1.0 after rotation, against %+v: %v", a, err)
		}
	}
	ids := p.Summaries()
	must(t, p.SetCommitmentShort(ids[0].ID, doc.FieldContact, "new@gov.example"))
	if _, _, err := Sign(p, "1.1", ppl.minister, signedAt); err == nil {
		t.Fatal("signed with the revoked key")
	}
	_, _, err = Sign(p, "1.1", next, signedAt)
	must(t, err)
	if _, err := Verify(exportTo(t, p, "1.1"), Anchor{PlanID: p.ID()}); err != nil {
		t.Fatal(err)
	}
}

// forceStatement writes raw into the statements map of a copy of p through
// automerge-go, bypassing doc's checks, and merges it into another copy.
func forceStatement(t *testing.T, p *doc.Plan, raw []byte) *doc.Plan {
	t.Helper()
	saved, err := p.Save()
	must(t, err)
	d, err := am.Load(saved)
	must(t, err)
	v, err := d.RootMap().Get("statements")
	must(t, err)
	must(t, v.Map().Set(authority.StatementID(raw).String(), raw))
	_, err = d.Commit("forged release")
	must(t, err)
	q, err := doc.LoadPlan(saved, doc.Author{})
	must(t, err)
	_, err = q.Merge(d.Save())
	must(t, err)
	return q
}
