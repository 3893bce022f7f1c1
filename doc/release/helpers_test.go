package release

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/authority"
)

// Text that must survive every rendering: accents, Welsh, Greek.
const (
	welsh = "Cynllun Gweithredu Cenedlaethol: ŵyn a ŷd, ẁ ẃ"
	greek = "Διαφάνεια και λογοδοσία"
	latin = "Participación ciudadana en São Tomé"
)

// The three people's devices: keys derived from their names, so peer IDs
// are the same on every run.
var (
	ministerDev  = testDevice("Siân Ffransis-Ŵyn", "Swyddfa'r Cabinet", doc.Government)
	govDev       = testDevice("Gareth Jones", "Cabinet Office", doc.Government)
	csoDev       = testDevice("Eleni Papadopoulou", "Open Society Forum", doc.CivilSociety)
	ministerPeer = ministerDev.PeerID
	govPeer      = govDev.PeerID
	csoPeer      = csoDev.PeerID
	signedAt     = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
)

func testDevice(name, org string, side doc.Side) doc.Author {
	seed := sha256.Sum256([]byte("coplan release test device " + name))
	key := ed25519.NewKeyFromSeed(seed[:])
	d, _ := authority.DeviceOfKey(key)
	return doc.Author{PeerID: d.PeerID(), Name: name, Org: org, Side: side, Key: key}
}

// onDevice runs fn on a copy of p opened on a's device and merges the copy
// back, as a sync would bring a's statements; it returns fn's error.
func onDevice(t testing.TB, p *doc.Plan, a doc.Author, fn func(q *doc.Plan) error) error {
	t.Helper()
	saved, err := p.Save()
	must(t, err)
	q, err := doc.LoadPlan(saved, a)
	must(t, err)
	if err := fn(q); err != nil {
		return err
	}
	back, err := q.Save()
	must(t, err)
	_, err = p.Merge(back)
	must(t, err)
	return nil
}

type people struct {
	minister, gov, cso, stranger ssh.Signer
}

func newSigner(t testing.TB, comment string) ssh.Signer {
	t.Helper()
	priv, _, err := NewKey(comment, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// readyPlan builds a plan that passes the readiness check: n adopted
// commitments (with non-ASCII text) and one civil-society proposal not
// adopted, with a reasoned response. The minister and both co-chairs are
// members with registered keys.
func readyPlan(t testing.TB, n int) (*doc.Plan, people) {
	t.Helper()
	// The minister founds the plan (so is its administrator), admits the
	// co-chairs and gives the roles; each registers its key from its own
	// device.
	p, err := doc.NewPlan("Plan de Acción Nacional — "+welsh, "Cymru / Ελλάδα", "2026-01-01", "2027-12-31", ministerDev)
	must(t, err)
	ppl := people{minister: newSigner(t, "minister"), gov: newSigner(t, "gov"), cso: newSigner(t, "cso"), stranger: newSigner(t, "stranger")}
	must(t, p.AddMember(doc.Member{PeerID: govPeer, Name: govDev.Name, Org: govDev.Org, Side: govDev.Side}))
	must(t, p.AddMember(doc.Member{PeerID: csoPeer, Name: csoDev.Name, Org: csoDev.Org, Side: csoDev.Side}))
	must(t, p.SetMemberRole(ministerPeer, doc.RoleMinister, true))
	must(t, p.SetMemberRole(govPeer, doc.RoleCoChair, true))
	must(t, p.SetMemberRole(csoPeer, doc.RoleCoChair, true))
	must(t, p.AddMemberKey(ministerPeer, ppl.minister))
	must(t, onDevice(t, p, govDev, func(q *doc.Plan) error { return q.AddMemberKey(govPeer, ppl.gov) }))
	must(t, onDevice(t, p, csoDev, func(q *doc.Plan) error { return q.AddMemberKey(csoPeer, ppl.cso) }))
	must(t, p.SetPlanField("vision", "An open government for everyone. "+latin))
	for i := 1; i <= n; i++ {
		title := fmt.Sprintf("Commitment %d: %s", i, []string{welsh, greek, latin}[i%3])
		id, err := p.AddCommitment(doc.NewCommitment{Title: title, Lead: "Ministry of Transparency " + greek})
		must(t, err)
		must(t, p.SetCommitmentState(id, doc.Adopted))
		must(t, p.SetCommitmentValues(id, doc.Values{Transparency: true, Participation: true}))
		must(t, p.SetText(doc.CommitmentText(id, "problem"), fmt.Sprintf("Problem %d: citizens cannot see contracts. %s", i, latin)))
		must(t, p.SetText(doc.CommitmentText(id, "description"), "Publish every contract in open data format.\n\nSecond paragraph with *emphasis*."))
		must(t, p.SetText(doc.CommitmentText(id, "contribution"), "Spending becomes visible."))
		must(t, p.SetCommitmentThemes(id, []string{"open contracting", "fiscal openness"}))
		for j := 1; j <= 3; j++ {
			mid, err := p.AddMilestone(id, fmt.Sprintf("Milestone %d.%d %s", i, j, greek))
			must(t, err)
			must(t, p.SetMilestoneField(id, mid, "start", fmt.Sprintf("2026-0%d-01", j)))
			must(t, p.SetMilestoneField(id, mid, "end", fmt.Sprintf("2027-0%d-28", j)))
			must(t, p.SetMilestoneField(id, mid, "deliverable", "A published dataset"))
		}
	}
	id, err := p.AddCommitment(doc.NewCommitment{Title: "Citizens' assembly on lobbying " + greek, Side: doc.CivilSociety, Org: "Open Society Forum"})
	must(t, err)
	must(t, p.SetCommitmentState(id, doc.NotAdopted))
	must(t, p.SetText(doc.CommitmentText(id, "response"), "Not adopted: the lobbying register law is already before Parliament. Ymateb rhesymegol ŵ ŷ. "+greek))
	_, err = p.AddTimeline("Self-assessment report "+latin, "2027-09-30", "")
	must(t, err)
	must(t, p.Commit())
	return p, ppl
}

func exportTo(t testing.TB, p *doc.Plan, label string) string {
	t.Helper()
	dir := t.TempDir()
	_, err := Export(p, label, dir)
	must(t, err)
	return dir
}

func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	must(t, err)
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		must(t, err)
		out[e.Name()] = b
	}
	return out
}

func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	for n, b := range readDir(t, src) {
		must(t, os.WriteFile(filepath.Join(dst, n), b, 0o644))
	}
	return dst
}

// resign rewrites a release folder as a forger would: edit the manifest,
// name signer s in allowed_signers, recompute SHA256SUMS and sign it with s
// under namespace. The folder stays self-consistent, so only the checks the
// forgery targets can catch it.
func resign(t testing.TB, dir string, s ssh.Signer, namespace string, edit func(m *Manifest)) {
	t.Helper()
	files := readDir(t, dir)
	m, err := ParseManifest(files[FileManifest])
	must(t, err)
	m.Signer.PublicKey = AuthorizedKey(s.PublicKey())
	m.Signer.KeyFingerprint = Fingerprint(s.PublicKey())
	if edit != nil {
		edit(m)
	}
	files[FileAllowed] = AllowedSigners(m.Signer.Identity, s.PublicKey())
	for i, f := range m.Files {
		if b, ok := files[f.Name]; ok {
			m.Files[i].SHA256 = sha256Hex(b)
		}
	}
	files[FileManifest] = marshalStable(m)
	delete(files, FileSums)
	delete(files, FileSumsSig)
	sums := sumsFile(files)
	sig, err := sshsig.Sign(bytes.NewReader(sums), s, sshsig.HashSHA512, namespace)
	must(t, err)
	files[FileSums] = sums
	files[FileSumsSig] = sshsig.Armor(sig)
	for n, b := range files {
		must(t, os.WriteFile(filepath.Join(dir, n), b, 0o644))
	}
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (Debian package: %s)", name, map[string]string{
			"ssh-keygen": "openssh-client", "pdftotext": "poppler-utils", "sha256sum": "coreutils"}[name])
	}
}

func run(t testing.TB, dir string, stdin []byte, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
