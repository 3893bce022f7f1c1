package release

import (
	"bytes"
	"errors"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
	"github.com/coplan/coplan/doc/export"
)

func TestSignExportVerify(t *testing.T) {
	p, ppl := readyPlan(t, 4)
	rec, m, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	if rec.ID == "" || m.Signer.Name != "Siân Ffransis-Ŵyn" || m.Signer.Role != doc.RoleMinister {
		t.Fatalf("record %+v, signer %+v", rec, m.Signer)
	}
	if len(m.Decisions) != 5 || m.Decisions[4].Decision != doc.NotAdopted || m.Decisions[4].Response == "" {
		t.Fatalf("decisions not in the manifest: %+v", m.Decisions)
	}
	dir := exportTo(t, p, "1.0")
	names := []string{FilePDF, FileHTML, FileMarkdown, FileJSON, FileICS, FileManifest, FileSums, FileSumsSig, FileAllowed, FileVerify, FileProof}
	files := readDir(t, dir)
	for _, n := range names {
		if len(files[n]) == 0 {
			t.Errorf("%s missing or empty", n)
		}
	}
	if len(files) != len(names) {
		t.Errorf("export wrote %d files, want %d", len(files), len(names))
	}
	rep, err := VerifyDir(dir, p)
	must(t, err)
	if !rep.PlanChecked || len(rep.Files) != len(names)-2 || rep.Proof == nil || rep.Proof.Release.Label != "1.0" {
		t.Fatalf("report %+v", rep)
	}
	// Without an anchor the folder is self-consistent but vouches for
	// nothing; the published plan ID or key fingerprint anchors it.
	rep, err = VerifyDir(dir, nil)
	if !errors.Is(err, ErrNotAnchored) || rep == nil || rep.PlanID != p.ID() || rep.Fingerprint != Fingerprint(ppl.minister.PublicKey()) {
		t.Fatalf("verify without an anchor: %v (report %+v)", err, rep)
	}
	for _, a := range []Anchor{{PlanID: p.ID()}, {Signers: []string{Fingerprint(ppl.minister.PublicKey())}}} {
		if rep, err := Verify(dir, a); err != nil || len(rep.Anchors) != 1 {
			t.Fatalf("verify against %+v: %v", a, err)
		}
	}
	if !strings.Contains(string(files[FileVerify]), p.ID()) || !strings.Contains(string(files[FileVerify]), "official channel") {
		t.Errorf("VERIFY.txt does not say to compare the plan ID and fingerprint with published ones:\n%s", files[FileVerify])
	}

	// The standard tools a member of the public uses.
	needTool(t, "ssh-keygen")
	needTool(t, "sha256sum")
	out, err := run(t, dir, files[FileSums], "ssh-keygen", "-Y", "verify", "-f", FileAllowed, "-I", m.Signer.Identity,
		"-n", Namespace, "-s", FileSumsSig)
	if err != nil {
		t.Fatalf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Good") {
		t.Fatalf("ssh-keygen said: %s", out)
	}
	out, err = run(t, dir, nil, "sha256sum", "-c", FileSums)
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	// VERIFY.txt gives exactly these commands.
	for _, c := range export.VerifyCommands(m.Signer.Identity) {
		if !strings.Contains(string(files[FileVerify]), c) {
			t.Errorf("VERIFY.txt lacks %q", c)
		}
	}
	// ssh-keygen refuses a changed SHA256SUMS too.
	bad := append(bytes.Clone(files[FileSums]), '\n')
	if out, err := run(t, dir, bad, "ssh-keygen", "-Y", "verify", "-f", FileAllowed, "-I", m.Signer.Identity, "-n", Namespace, "-s", FileSumsSig); err == nil {
		t.Fatalf("ssh-keygen accepted a changed SHA256SUMS: %s", out)
	}
}

func TestTamperedFileIsNamed(t *testing.T) {
	p, ppl := readyPlan(t, 2)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	dir := exportTo(t, p, "1.0")
	for name, b := range readDir(t, dir) {
		t.Run(name, func(t *testing.T) {
			d := copyDir(t, dir)
			b = bytes.Clone(b)
			b[len(b)/2] ^= 0x01
			must(t, os.WriteFile(filepath.Join(d, name), b, 0o644))
			_, err := VerifyDir(d, p)
			if err == nil {
				t.Fatal("verification passed")
			}
			if !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("error does not name %s first: %v", name, err)
			}
		})
	}
	t.Run("removed", func(t *testing.T) {
		d := copyDir(t, dir)
		must(t, os.Remove(filepath.Join(d, FileICS)))
		if _, err := VerifyDir(d, p); !errors.Is(err, ErrMissingFile) || !strings.Contains(err.Error(), FileICS) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestForgedReleases(t *testing.T) {
	p, ppl := readyPlan(t, 2)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	dir := exportTo(t, p, "1.0")
	other, _ := readyPlan(t, 1)

	cases := []struct {
		name   string
		forge  func(d string)
		plan   *doc.Plan
		want   error
		reason string
	}{
		{"co-chair key without the minister role", func(d string) { resign(t, d, ppl.gov, Namespace, nil) }, p, ErrSignerMismatch, "the minister signed with key"},
		{"key registered to nobody", func(d string) { resign(t, d, ppl.stranger, Namespace, nil) }, p, ErrSignerMismatch, "the minister signed with key"},
		{"wrong namespace", func(d string) { resign(t, d, ppl.minister, "file", nil) }, p, ErrWrongNamespace, "namespace"},
		{"manifest from another plan", func(d string) {}, other, ErrOtherPlan, "another plan"},
		{"manifest differs from the recorded release", func(d string) {
			resign(t, d, ppl.minister, Namespace, func(m *Manifest) { m.SignedAt = m.SignedAt.Add(time.Hour) })
		}, p, ErrBadManifest, "another release.json"},
		{"allowed_signers names another key", func(d string) {
			must(t, os.WriteFile(filepath.Join(d, FileAllowed), AllowedSigners("x@coplan", ppl.stranger.PublicKey()), 0o644))
		}, p, ErrUnknownSigner, "allowed_signers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t, dir)
			tc.forge(d)
			_, err := VerifyDir(d, tc.plan)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("reason %q not in %v", tc.reason, err)
			}
		})
	}
	// A wrong namespace fails with ssh-keygen as well.
	needTool(t, "ssh-keygen")
	d := copyDir(t, dir)
	resign(t, d, ppl.minister, "file", nil)
	sums, _ := os.ReadFile(filepath.Join(d, FileSums))
	if out, err := run(t, d, sums, "ssh-keygen", "-Y", "verify", "-f", FileAllowed, "-I", Identity("Siân Ffransis-Ŵyn"), "-n", Namespace, "-s", FileSumsSig); err == nil {
		t.Fatalf("ssh-keygen accepted the wrong namespace: %s", out)
	}
}

func TestSignRefusals(t *testing.T) {
	p, ppl := readyPlan(t, 1)
	if _, _, err := Sign(p, "1.0", ppl.gov, signedAt); !errors.Is(err, ErrNotMinister) {
		t.Fatalf("co-chair signed: %v", err)
	}
	if _, _, err := Sign(p, "1.0", ppl.stranger, signedAt); !errors.Is(err, ErrKeyNotRegistered) {
		t.Fatalf("stranger signed: %v", err)
	}
	// The last administrator cannot go; with a second one, the minister can
	// be removed, and signs nothing more.
	if err := p.RemoveMember(ministerPeer); !errors.Is(err, authority.ErrLastAdmin) {
		t.Fatalf("removing the last administrator: %v", err)
	}
	must(t, p.SetMemberRole(govPeer, doc.RoleAdmin, true))
	must(t, onDevice(t, p, govDev, func(q *doc.Plan) error { return q.RemoveMember(ministerPeer) }))
	if _, _, err := Sign(p, "1.0", ppl.minister, signedAt); !errors.Is(err, ErrKeyNotRegistered) {
		t.Fatalf("removed minister signed: %v", err)
	}
	// Re-admitted by an administrator (same device, same member record),
	// the minister needs the role again; the key it registered still holds.
	must(t, onDevice(t, p, govDev, func(q *doc.Plan) error {
		if err := q.AddMember(doc.Member{PeerID: ministerPeer, Name: "Siân Ffransis-Ŵyn", Side: doc.Government}); err != nil {
			return err
		}
		return q.SetMemberRole(ministerPeer, doc.RoleMinister, true)
	}))
	if m, ok := p.Member(ministerPeer); !ok || m.Removed || !m.HasRole(doc.RoleMinister) {
		t.Fatalf("re-admitted minister %+v", m)
	}
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	if _, _, err := Sign(p, "1.0", ppl.minister, signedAt); !errors.Is(err, doc.ErrReleaseExists) {
		t.Fatalf("label reused: %v", err)
	}
}

func TestReadinessBlocksSigning(t *testing.T) {
	cases := []struct {
		name    string
		break_  func(p *doc.Plan, adopted, rejected string) error
		missing string
	}{
		{"no decision", func(p *doc.Plan, a, r string) error { return p.SetCommitmentState(a, doc.Agreed) }, MissingDecision},
		{"proposal without decision", func(p *doc.Plan, a, r string) error { return p.SetCommitmentState(a, doc.Proposal) }, MissingDecision},
		{"no reasoned response", func(p *doc.Plan, a, r string) error { return p.SetText(doc.CommitmentText(r, "response"), "") }, MissingResponse},
		{"no lead agency", func(p *doc.Plan, a, r string) error { return p.SetCommitmentShort(a, doc.FieldLead, "") }, MissingLead},
		{"no OGP values", func(p *doc.Plan, a, r string) error { return p.SetCommitmentValues(a, doc.Values{}) }, MissingValues},
		{"no milestones", func(p *doc.Plan, a, r string) error {
			c, _ := p.Commitment(a)
			for _, m := range c.Milestones {
				if err := p.RemoveMilestone(a, m.ID); err != nil {
					return err
				}
			}
			return nil
		}, MissingMilestones},
		{"milestone without end", func(p *doc.Plan, a, r string) error {
			c, _ := p.Commitment(a)
			return p.SetMilestoneField(a, c.Milestones[0].ID, "end", "")
		}, MissingDates},
		{"milestone without start", func(p *doc.Plan, a, r string) error {
			c, _ := p.Commitment(a)
			return p.SetMilestoneField(a, c.Milestones[1].ID, "start", "")
		}, MissingDates},
		{"milestone after the period", func(p *doc.Plan, a, r string) error {
			c, _ := p.Commitment(a)
			return p.SetMilestoneField(a, c.Milestones[2].ID, "end", "2028-06-30")
		}, MissingDates},
		{"milestone before the period", func(p *doc.Plan, a, r string) error {
			c, _ := p.Commitment(a)
			return p.SetMilestoneField(a, c.Milestones[0].ID, "start", "2025-06-30")
		}, MissingDates},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, ppl := readyPlan(t, 1)
			if probs := Check(p.Content()); len(probs) != 0 {
				t.Fatalf("fixture not ready: %v", probs)
			}
			ids := p.Summaries()
			must(t, tc.break_(p, ids[0].ID, ids[1].ID))
			probs := Check(p.Content())
			if len(probs) != 1 || probs[0].Missing != tc.missing {
				t.Fatalf("check listed %v, want one %q", probs, tc.missing)
			}
			_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
			var nr *NotReadyError
			if !errors.As(err, &nr) || !errors.Is(err, ErrNotReady) || len(nr.Problems) != 1 || nr.Problems[0].Missing != tc.missing {
				t.Fatalf("sign: %v", err)
			}
			if !strings.Contains(err.Error(), probs[0].String()) {
				t.Fatalf("refusal does not list the problem: %v", err)
			}
			if len(p.Releases()) != 0 {
				t.Fatal("a release was stored")
			}
		})
	}
	t.Run("civil-society proposal", func(t *testing.T) {
		p, _ := readyPlan(t, 1)
		ids := p.Summaries()
		must(t, p.SetText(doc.CommitmentText(ids[1].ID, "response"), ""))
		probs := Check(p.Content())
		if len(probs) != 1 || !strings.Contains(probs[0].Detail, "civil-society proposal not adopted") {
			t.Fatalf("%v", probs)
		}
	})
}

func TestEndorsements(t *testing.T) {
	p, ppl := readyPlan(t, 2)
	must(t, p.SetEndorsementsRequired(true))
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	if !errors.Is(err, ErrNotEndorsed) || !strings.Contains(err.Error(), "government co-chair and the civil-society co-chair") {
		t.Fatalf("signed without endorsements: %v", err)
	}
	if _, err := Endorse(p, "1.0", ppl.minister, signedAt); !errors.Is(err, ErrNotCoChair) {
		t.Fatalf("minister endorsed as co-chair: %v", err)
	}
	endorse := func(a doc.Author, s ssh.Signer, at time.Time) {
		t.Helper()
		must(t, onDevice(t, p, a, func(q *doc.Plan) error { _, err := Endorse(q, "1.0", s, at); return err }))
	}
	// A co-chair's key used from another member's device is refused.
	if _, err := Endorse(p, "1.0", ppl.gov, signedAt); !errors.Is(err, ErrNotCoChair) || !errors.Is(err, authority.ErrNotAuthorized) {
		t.Fatalf("the gov co-chair's key endorsed from the minister's device: %v", err)
	}
	endorse(govDev, ppl.gov, signedAt)
	_, _, err = Sign(p, "1.0", ppl.minister, signedAt)
	if !errors.Is(err, ErrNotEndorsed) || !strings.Contains(err.Error(), "civil-society co-chair") || strings.Contains(err.Error(), "government co-chair") {
		t.Fatalf("signed with one endorsement: %v", err)
	}
	// An endorsement of other content (made before an edit) does not count.
	endorse(csoDev, ppl.cso, signedAt)
	ids := p.Summaries()
	must(t, p.SetCommitmentShort(ids[0].ID, doc.FieldContact, "open@gov.example"))
	if _, _, err = Sign(p, "1.0", ppl.minister, signedAt); !errors.Is(err, ErrNotEndorsed) {
		t.Fatalf("signed a version the co-chairs did not see: %v", err)
	}
	// Both endorse the current version; comments do not change the content.
	endorse(govDev, ppl.gov, signedAt.Add(1))
	_, err = p.AddComment(ids[0].ID, "Looks good")
	must(t, err)
	endorse(csoDev, ppl.cso, signedAt.Add(2))
	_, m, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	if !m.EndorsementsRequired || len(m.Endorsements) != 2 || m.Endorsements[0].Side != doc.Government || m.Endorsements[1].Side != doc.CivilSociety {
		t.Fatalf("endorsements in manifest: %+v", m.Endorsements)
	}
	dir := exportTo(t, p, "1.0")
	_, err = VerifyDir(dir, p)
	must(t, err)
	pdf := pdfText(t, filepath.Join(dir, FilePDF))
	for _, who := range []string{"Gareth Jones", "Eleni Papadopoulou"} {
		if !strings.Contains(pdf, who) {
			t.Errorf("signature page lacks endorser %s", who)
		}
	}
}

func TestReleaseSyncsToAnotherPeer(t *testing.T) {
	// The sync layer moves documents; what matters here is that the release
	// lives in the document, so any merge of replicas carries it.
	a, ppl := readyPlan(t, 3)
	saved, err := a.Save()
	must(t, err)
	b, err := doc.LoadPlan(saved, csoDev)
	must(t, err)
	_, _, err = Sign(a, "1.0", ppl.minister, signedAt)
	must(t, err)
	// b edits concurrently, then receives a's changes.
	ids := b.Summaries()
	must(t, b.SetCommitmentShort(ids[0].ID, doc.FieldContact, "someone@example.org"))
	fromA, err := a.Save()
	must(t, err)
	_, err = b.Merge(fromA)
	must(t, err)
	if len(b.Releases()) != 1 {
		t.Fatalf("b has %d releases", len(b.Releases()))
	}
	dirA, dirB := exportTo(t, a, "1.0"), exportTo(t, b, "1.0")
	_, err = VerifyDir(dirB, b)
	must(t, err)
	fa, fb := readDir(t, dirA), readDir(t, dirB)
	for n := range fa {
		if !bytes.Equal(fa[n], fb[n]) {
			t.Errorf("%s differs between peers", n)
		}
	}
	// b's later edit shows as a change since the release.
	st := Statuses(b)
	if len(st) != 1 || !st[0].Changed || st[0].Changes == 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestEditingAfterSignOff(t *testing.T) {
	p, ppl := readyPlan(t, 2)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	if st := Statuses(p); st[0].Changed {
		t.Fatal("storing the release counted as a change to the plan")
	}
	before := readDir(t, exportTo(t, p, "1.0"))
	ids := p.Summaries()
	must(t, p.SetText(doc.CommitmentText(ids[0].ID, "title"), "Renamed in the next draft"))
	must(t, p.Commit())
	st := Statuses(p)
	if !st[0].Changed || st[0].Manifest.Version != "1.0" {
		t.Fatalf("status %+v", st[0])
	}
	after := readDir(t, exportTo(t, p, "1.0"))
	for n := range before {
		if !bytes.Equal(before[n], after[n]) {
			t.Errorf("%s of the signed release changed after an edit", n)
		}
	}
	if strings.Contains(string(after[FileJSON]), "Renamed") {
		t.Fatal("the edit leaked into the signed release")
	}
	// The next draft can be signed as a new version.
	_, m, err := Sign(p, "1.1", ppl.minister, signedAt.Add(1e9))
	must(t, err)
	if !strings.Contains(string(readDir(t, exportTo(t, p, "1.1"))[FileJSON]), "Renamed") || m.Version != "1.1" {
		t.Fatal("next version lacks the edit")
	}
}

func TestPDFAndHTMLText(t *testing.T) {
	needTool(t, "pdftotext")
	p, ppl := readyPlan(t, 3)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	dir := exportTo(t, p, "1.0")
	text := pdfText(t, filepath.Join(dir, FilePDF))
	page := html.UnescapeString(string(readDir(t, dir)[FileHTML]))
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	text, page = norm(text), norm(page)
	c := p.Content()
	for _, cm := range c.Commitments {
		for what, s := range map[string]string{"title": cm.Title, "response": cm.Response} {
			if s == "" {
				continue
			}
			if !strings.Contains(text, norm(s)) {
				t.Errorf("PDF lacks commitment %d %s %q", cm.Number, what, s)
			}
			if !strings.Contains(page, norm(s)) {
				t.Errorf("HTML lacks commitment %d %s %q", cm.Number, what, s)
			}
		}
	}
	for _, s := range []string{welsh, greek, latin, "Siân Ffransis-Ŵyn", "Annex: proposals not adopted", "Signature"} {
		if !strings.Contains(text, s) {
			t.Errorf("PDF lacks %q", s)
		}
		if !strings.Contains(page, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	m, _ := ParseManifest(readDir(t, dir)[FileManifest])
	for _, s := range append([]string{m.Signer.KeyFingerprint, "1.0"}, m.Heads...) {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), s) {
			t.Errorf("signature page lacks %q", s)
		}
	}
}

func pdfText(t testing.TB, path string) string {
	t.Helper()
	needTool(t, "pdftotext")
	out, err := run(t, filepath.Dir(path), nil, "pdftotext", "-enc", "UTF-8", path, "-")
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return out
}

func TestExportIsDeterministic(t *testing.T) {
	p, ppl := readyPlan(t, 5)
	_, _, err := Sign(p, "1.0", ppl.minister, signedAt)
	must(t, err)
	first := readDir(t, exportTo(t, p, "1.0"))
	for range 3 {
		again := readDir(t, exportTo(t, p, "1.0"))
		for n, b := range first {
			if !bytes.Equal(b, again[n]) {
				t.Fatalf("%s differs between two exports", n)
			}
		}
	}
	// A reloaded copy of the document exports the same bytes too.
	saved, err := p.Save()
	must(t, err)
	q, err := doc.LoadPlan(saved, doc.Author{})
	must(t, err)
	again := readDir(t, exportTo(t, q, "1.0"))
	for n, b := range first {
		if !bytes.Equal(b, again[n]) {
			t.Fatalf("%s differs after reload", n)
		}
	}
}

func TestConcurrentSameLabel(t *testing.T) {
	a, ppl := readyPlan(t, 1)
	saved, _ := a.Save()
	b, err := doc.LoadPlan(saved, ministerDev) // the minister's second window
	must(t, err)
	_, _, err = Sign(a, "1.0", ppl.minister, signedAt)
	must(t, err)
	_, _, err = Sign(b, "1.0", ppl.minister, signedAt.Add(60e9))
	must(t, err)
	fromB, _ := b.Save()
	_, err = a.Merge(fromB)
	must(t, err)
	if len(a.Releases()) != 2 {
		t.Fatalf("merge kept %d of 2 releases", len(a.Releases()))
	}
	if _, err := Find(a, "1.0"); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("got %v", err)
	}
	for _, r := range a.Releases() {
		dir := t.TempDir()
		_, err := Export(a, r.ID, dir)
		must(t, err)
		_, err = VerifyDir(dir, a)
		must(t, err)
	}
}
